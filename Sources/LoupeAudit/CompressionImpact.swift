import LoupeRandom
import LoupeSupport

/// The compression identified exemplars (CIEs) of one (baseline, compressed) pair of
/// populations, with their Taxicab scores and the accuracy of both populations on CIEs, on
/// the other examples and on a random sample of the same size as the CIE set.
///
/// An example is a CIE when the modal labels of the two populations differ; the true label is
/// not used for that. See methods.md section 3 and Hooker et al., "What do compressed deep
/// neural networks forget?" (2019).
public struct CompressionImpact: Sendable {
    /// The baseline (uncompressed) population's name.
    public let baselineName: String
    /// The compressed population's name.
    public let compressedName: String
    /// One row per example, in the populations' example order.
    public let examples: [ExampleImpact]
    /// Positions (in example order) of the seeded random comparison sample, ascending.
    public let randomSamplePositions: [Int]
    /// The seed the random sample was drawn with.
    public let sampleSeed: UInt64
    /// Accuracies of the baseline population.
    public let baselineAccuracies: PopulationAccuracies
    /// Accuracies of the compressed population.
    public let compressedAccuracies: PopulationAccuracies

    /// Compares `compressed` with `baseline` on every example.
    ///
    /// The random comparison sample has as many examples as there are CIEs and is drawn
    /// uniformly without replacement from all examples (CIEs included) by `SplitMix64` seeded
    /// with `sampleSeed`; callers that want another sample can pass its positions to
    /// `PopulationPredictions.meanAccuracy(on:trueLabels:)`.
    ///
    /// - Throws: `InputError` when the populations predict different examples or class
    ///   counts, or `trueLabels` does not hold one valid label per example.
    public init(
        baseline: PopulationPredictions, compressed: PopulationPredictions, trueLabels: [Int32],
        sampleSeed: UInt64 = 0
    ) throws {
        try baseline.requireSameExamples(as: compressed)
        try baseline.validate(trueLabels: trueLabels)
        var rows: [ExampleImpact] = []
        rows.reserveCapacity(baseline.exampleCount)
        for position in 0..<baseline.exampleCount {
            let baselineCounts = baseline.labelCounts(example: position)
            let compressedCounts = compressed.labelCounts(example: position)
            // Sum |c/Mc - b/Mb| as one integer numerator over Mb * Mc: exact, so equal scores
            // compare equal and the ranking's tie rule applies.
            var numerator = 0
            for c in 0..<baseline.classCount {
                numerator += abs(compressedCounts[c] * baseline.modelCount - baselineCounts[c] * compressed.modelCount)
            }
            let score = Double(numerator) / Double(baseline.modelCount * compressed.modelCount)
            let baselineModal = Int32(PopulationPredictions.modalClass(of: baselineCounts))
            let compressedModal = Int32(PopulationPredictions.modalClass(of: compressedCounts))
            let truth = trueLabels[position]
            rows.append(
                ExampleImpact(
                    id: baseline.exampleIDs[position], position: position, trueLabel: truth,
                    baselineModalLabel: baselineModal, compressedModalLabel: compressedModal,
                    taxicabScore: score, isCIE: baselineModal != compressedModal,
                    baselineCorrectFraction: Double(baselineCounts[Int(truth)]) / Double(baseline.modelCount),
                    compressedCorrectFraction: Double(compressedCounts[Int(truth)]) / Double(compressed.modelCount)))
        }
        let ciePositions = rows.filter(\.isCIE).map(\.position)
        let otherPositions = rows.filter { !$0.isCIE }.map(\.position)
        var generator = SplitMix64(seed: sampleSeed)
        let sample = generator.sample(ciePositions.count, from: rows.count)

        func accuracies(_ fraction: KeyPath<ExampleImpact, Double>) -> PopulationAccuracies {
            func mean(_ positions: [Int]) -> Double? {
                positions.isEmpty
                    ? nil : positions.reduce(0.0) { $0 + rows[$1][keyPath: fraction] } / Double(positions.count)
            }
            return PopulationAccuracies(
                overall: mean(Array(rows.indices)) ?? 0, onCIEs: mean(ciePositions), onNonCIEs: mean(otherPositions),
                onRandomSample: mean(sample))
        }
        self.baselineName = baseline.name
        self.compressedName = compressed.name
        self.examples = rows
        self.randomSamplePositions = sample
        self.sampleSeed = sampleSeed
        self.baselineAccuracies = accuracies(\.baselineCorrectFraction)
        self.compressedAccuracies = accuracies(\.compressedCorrectFraction)
    }

    /// Number of CIEs.
    public var cieCount: Int { examples.reduce(0) { $0 + ($1.isCIE ? 1 : 0) } }

    /// The fraction of examples that are CIEs.
    public var cieFraction: Double { Double(cieCount) / Double(examples.count) }

    /// The ids of the CIEs, in example order.
    public var cieIDs: [Int] { examples.filter(\.isCIE).map(\.id) }

    /// All examples ranked by Taxicab score, highest first; equal scores in ascending id order.
    public var rankedByTaxicabScore: [ExampleImpact] {
        examples.sorted { ($0.taxicabScore, $1.id) > ($1.taxicabScore, $0.id) }
    }
}
