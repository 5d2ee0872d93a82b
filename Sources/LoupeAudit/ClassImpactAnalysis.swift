import LoupeSupport

/// Class-level impact of compression for every class (methods.md section 3): for every model
/// and class `c`, `recall(c)` minus that model's own overall top-1 accuracy; per class a
/// two-sided Welch t-test between the baseline and compressed populations' values;
/// `p <= significanceLevel` marks the class as disparately impacted.
///
/// Normalising by each model's own accuracy (rather than the population mean, as methods.md
/// words it) removes the overall accuracy drop from the comparison, so a class is flagged
/// only when it loses more (or less) than the model as a whole.
public struct ClassImpactAnalysis: Sendable {
    /// The p-value at or below which a class counts as impacted.
    public let significanceLevel: Double
    /// One entry per class that has at least one example, ascending class index.
    public let classes: [ClassImpact]
    /// Classes with no example among the true labels (recall undefined), left out of `classes`.
    public let classesWithoutExamples: [Int]

    /// Computes the impact of every class.
    ///
    /// - Throws: `InputError` when the populations predict different examples or the
    ///   true labels are invalid; `InputError` when a population has fewer than two
    ///   models (the t-test needs two values per group).
    public init(
        baseline: PopulationPredictions, compressed: PopulationPredictions, trueLabels: [Int32],
        significanceLevel: Double = 0.05
    ) throws {
        try baseline.requireSameExamples(as: compressed)
        try baseline.validate(trueLabels: trueLabels)
        var classSizes = [Int](repeating: 0, count: baseline.classCount)
        for label in trueLabels { classSizes[Int(label)] += 1 }
        let baselineValues = try Self.relativeRecalls(baseline, trueLabels: trueLabels, classSizes: classSizes)
        let compressedValues = try Self.relativeRecalls(compressed, trueLabels: trueLabels, classSizes: classSizes)
        var classes: [ClassImpact] = []
        for c in classSizes.indices where classSizes[c] > 0 {
            let first = baselineValues.map { $0[c] }
            let second = compressedValues.map { $0[c] }
            let test = try WelchTTest(first, second)
            let impacted = test.pValue <= significanceLevel
            classes.append(
                ClassImpact(
                    classIndex: c, exampleCount: classSizes[c], baselineValues: first, compressedValues: second,
                    test: test, isImpacted: impacted,
                    direction: !impacted ? .notSignificant : (test.t > 0 ? .hurt : .helped)))
        }
        self.significanceLevel = significanceLevel
        self.classes = classes
        self.classesWithoutExamples = classSizes.indices.filter { classSizes[$0] == 0 }
    }

    /// The fewest models a population needs for the analysis: Welch's t-test needs two values
    /// (one per model) on each side.
    public static let minimumModelCount = 2

    /// Why the analysis cannot compare `baseline` with `compressed` (a population with fewer
    /// than ``minimumModelCount`` models), naming the population and its size; nil when it can.
    ///
    /// Each pair of populations is sized on its own, so a caller comparing one baseline with
    /// several compressed populations of different sizes asks this once per pair.
    public static func unavailableReason(baseline: PopulationPredictions, compressed: PopulationPredictions) -> String?
    {
        let tooSmall = [baseline, compressed].filter { $0.modelCount < minimumModelCount }
        guard !tooSmall.isEmpty else { return nil }
        let sizes = tooSmall.map { "'\($0.name)' has \($0.modelCount) model\($0.modelCount == 1 ? "" : "s")" }
        return
            "class impact needs at least \(minimumModelCount) models per population (Welch's t-test); \(sizes.joined(separator: " and "))"
    }

    /// The impacted classes, ascending class index.
    public var impactedClasses: [ClassImpact] { classes.filter(\.isImpacted) }

    /// Per model, per class: recall minus the model's overall accuracy (0 for empty classes).
    private static func relativeRecalls(
        _ population: PopulationPredictions, trueLabels: [Int32], classSizes: [Int]
    ) throws -> [[Double]] {
        let accuracies = try population.modelAccuracies(trueLabels: trueLabels)
        return (0..<population.modelCount).map { model in
            var correct = [Int](repeating: 0, count: population.classCount)
            for example in 0..<population.exampleCount
            where population.label(model: model, example: example) == trueLabels[example] {
                correct[Int(trueLabels[example])] += 1
            }
            return classSizes.indices.map { c in
                classSizes[c] == 0 ? 0 : Double(correct[c]) / Double(classSizes[c]) - accuracies[model]
            }
        }
    }
}
