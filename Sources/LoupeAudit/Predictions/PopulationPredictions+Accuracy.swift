import LoupeSupport

extension PopulationPredictions {
    /// The fraction of models that predicted `trueLabel` for the example at position `example`.
    public func correctFraction(example: Int, trueLabel: Int32) -> Double {
        var correct = 0
        for model in 0..<modelCount where label(model: model, example: example) == trueLabel { correct += 1 }
        return Double(correct) / Double(modelCount)
    }

    /// The top-1 accuracy of each model over all examples.
    ///
    /// - Throws: `InputError` when `trueLabels` does not hold one label in
    ///   `0..<classCount` per example.
    public func modelAccuracies(trueLabels: [Int32]) throws -> [Double] {
        try validate(trueLabels: trueLabels)
        return (0..<modelCount).map { model in
            var correct = 0
            for example in 0..<exampleCount where label(model: model, example: example) == trueLabels[example] {
                correct += 1
            }
            return Double(correct) / Double(exampleCount)
        }
    }

    /// The mean over models of the top-1 accuracy on the examples at `positions`, or `nil`
    /// when `positions` is empty. Every model sees the same examples, so this equals the mean
    /// over those examples of the fraction of models that are correct.
    ///
    /// - Throws: `InputError` when `trueLabels` does not hold one valid label per example.
    public func meanAccuracy(on positions: [Int], trueLabels: [Int32]) throws -> Double? {
        try validate(trueLabels: trueLabels)
        guard !positions.isEmpty else { return nil }
        let total = positions.reduce(0.0) { $0 + correctFraction(example: $1, trueLabel: trueLabels[$1]) }
        return total / Double(positions.count)
    }

    /// Throws unless `trueLabels` holds one label in `0..<classCount` per example.
    func validate(trueLabels: [Int32]) throws {
        let source = "true labels for population '\(name)'"
        guard trueLabels.count == exampleCount else {
            throw InputError(
                source: source, problem: "\(trueLabels.count) true labels, expected \(exampleCount) (one per example)")
        }
        if let bad = trueLabels.firstIndex(where: { $0 < 0 || Int($0) >= classCount }) {
            throw InputError(
                source: source,
                problem: "true label \(trueLabels[bad]) of example id \(exampleIDs[bad]) is outside 0..<\(classCount)")
        }
    }
}
