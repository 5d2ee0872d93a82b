import LoupeSupport

/// Subgroup impact of compression (methods.md section 3, after the CIE paper's CelebA study):
/// the error rate, and for binary tasks the false-positive and false-negative rates, of the
/// baseline and compressed populations on every group of an attribute table and every
/// intersection of groups.
///
/// Subgroups are listed column combination by column combination: first every single column
/// (table order), then every pair, every triple, and so on up to `maximumIntersectionSize`
/// columns; within a combination, value combinations in ascending string order. Only value
/// combinations that occur in the table are listed. With `k` columns there are `2^k - 1`
/// column combinations, so wide tables (CelebA has 40 attributes) need a limit.
///
/// Examples in the predictions without a row in the table belong to no subgroup.
public struct SubgroupImpactAnalysis: Sendable {
    /// The subgroups, in the order described above.
    public let subgroups: [SubgroupImpact]

    /// Computes the rates of every subgroup.
    ///
    /// - Parameter maximumIntersectionSize: the most columns combined in one intersection;
    ///   `nil` combines up to all columns.
    /// - Throws: `InputError` when the table has an id that is not among the predictions'
    ///   example ids; `InputError` when the populations predict different examples or
    ///   the true labels are invalid.
    public init(
        attributes: AttributeTable, baseline: PopulationPredictions, compressed: PopulationPredictions,
        trueLabels: [Int32], maximumIntersectionSize: Int? = nil
    ) throws {
        try baseline.requireSameExamples(as: compressed)
        try baseline.validate(trueLabels: trueLabels)
        var positionOfID: [Int: Int] = [:]
        for (position, id) in baseline.exampleIDs.enumerated() { positionOfID[id] = position }
        let positions = try attributes.ids.map { id in
            guard let position = positionOfID[id] else {
                throw InputError(
                    source: attributes.file,
                    problem: "id \(id) is not among the example ids of population '\(baseline.name)'")
            }
            return position
        }
        let binary = baseline.classCount == 2
        let baselineOutcomes = ExampleOutcomes(baseline, trueLabels: trueLabels)
        let compressedOutcomes = ExampleOutcomes(compressed, trueLabels: trueLabels)

        var subgroups: [SubgroupImpact] = []
        let columnCount = attributes.columns.count
        let largest = min(maximumIntersectionSize ?? columnCount, columnCount)
        if largest >= 1 {
            for size in 1...largest {
                for columns in Self.combinations(of: size, from: columnCount) {
                    var rowsByValues: [[String]: [Int]] = [:]
                    for (row, values) in attributes.values.enumerated() {
                        rowsByValues[columns.map { values[$0] }, default: []].append(row)
                    }
                    for key in rowsByValues.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                        let members = rowsByValues[key, default: []].map { positions[$0] }
                        subgroups.append(
                            SubgroupImpact(
                                conditions: zip(columns, key).map {
                                    SubgroupCondition(column: attributes.columns[$0], value: $1)
                                },
                                count: members.count,
                                baseline: baselineOutcomes.rates(on: members, trueLabels: trueLabels, binary: binary),
                                compressed: compressedOutcomes.rates(
                                    on: members, trueLabels: trueLabels, binary: binary)))
                    }
                }
            }
        }
        self.subgroups = subgroups
    }

    /// The subgroup with exactly these conditions (in table column order), if it exists.
    public func subgroup(_ conditions: [SubgroupCondition]) -> SubgroupImpact? {
        subgroups.first { $0.conditions == conditions }
    }

    /// All `size`-element subsets of `0..<count`, each ascending, in lexicographic order.
    static func combinations(of size: Int, from count: Int) -> [[Int]] {
        guard size > 0 else { return [[]] }
        guard size <= count else { return [] }
        var result: [[Int]] = []
        var current: [Int] = []
        func extend(from start: Int) {
            if current.count == size {
                result.append(current)
                return
            }
            for next in start..<count where count - next >= size - current.count {
                current.append(next)
                extend(from: next + 1)
                current.removeLast()
            }
        }
        extend(from: 0)
        return result
    }
}

/// Per example, the fraction of a population's models that are correct and that predict
/// class 1, from which subgroup rates are averaged.
private struct ExampleOutcomes {
    var correctFraction: [Double]
    var positiveFraction: [Double]

    init(_ population: PopulationPredictions, trueLabels: [Int32]) {
        correctFraction = (0..<population.exampleCount).map {
            population.correctFraction(example: $0, trueLabel: trueLabels[$0])
        }
        positiveFraction = (0..<population.exampleCount).map {
            population.classCount > 1 ? population.labelHistogram(example: $0)[1] : 0
        }
    }

    /// The rates on the examples at `members`; each is the mean over models, which equals
    /// the mean over the relevant examples of the per-example fractions since every model
    /// sees the same examples.
    func rates(on members: [Int], trueLabels: [Int32], binary: Bool) -> SubgroupRates {
        func mean(_ values: [Double]) -> Double? {
            values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
        }
        let errorRate = mean(members.map { 1 - correctFraction[$0] }) ?? 0
        guard binary else { return SubgroupRates(errorRate: errorRate, falsePositiveRate: nil, falseNegativeRate: nil) }
        let negatives = members.filter { trueLabels[$0] == 0 }
        let positives = members.filter { trueLabels[$0] == 1 }
        return SubgroupRates(
            errorRate: errorRate,
            falsePositiveRate: mean(negatives.map { positiveFraction[$0] }),
            falseNegativeRate: mean(positives.map { 1 - positiveFraction[$0] }))
    }
}
