extension PopulationPredictions {
    /// How many models predicted each class for the example at position `example`
    /// (`classCount` counts summing to `modelCount`).
    public func labelCounts(example: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for model in 0..<modelCount { counts[Int(label(model: model, example: example))] += 1 }
        return counts
    }

    /// The normalised histogram of predicted labels for the example at position `example`:
    /// the fraction of models that predicted each class (sums to 1).
    public func labelHistogram(example: Int) -> [Double] {
        labelCounts(example: example).map { Double($0) / Double(modelCount) }
    }

    /// The modal (most frequently predicted) label for the example at position `example`.
    ///
    /// Tie rule: when several labels are predicted equally often, the smallest class index
    /// among them wins. (The reference implementation of the CIE papers broke ties toward the
    /// largest index; results on tied examples can therefore differ from it.)
    public func modalLabel(example: Int) -> Int32 {
        Int32(Self.modalClass(of: labelCounts(example: example)))
    }

    /// The modal label of every example, in example order (same tie rule as `modalLabel`).
    public func modalLabels() -> [Int32] {
        (0..<exampleCount).map { modalLabel(example: $0) }
    }

    /// The index of the largest count, the smallest index among equal maxima.
    static func modalClass(of counts: [Int]) -> Int {
        var best = 0
        for c in counts.indices where counts[c] > counts[best] { best = c }
        return best
    }
}
