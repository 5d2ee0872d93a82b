/// The current verdicts: per example, per reviewer, the latest verdict no undo retracts.
public struct CurrentVerdicts: Sendable, Equatable {
    /// Example id -> reviewer -> that reviewer's current verdict record.
    public var byExample: [Int: [String: VerdictRecord]]

    public init(byExample: [Int: [String: VerdictRecord]]) {
        self.byExample = byExample
    }

    /// Replays `log` in append order: a verdict becomes its reviewer's current one on the
    /// example, and an undo retracts the verdict it names, which brings back the reviewer's
    /// previous active verdict (or none).
    public init(log: [VerdictRecord]) {
        var retracted = Set<Int64>()
        for record in log { if let undoes = record.undoes { retracted.insert(undoes) } }
        var byExample: [Int: [String: VerdictRecord]] = [:]
        for record in log.sorted(by: { $0.sequence < $1.sequence })
        where record.verdict != nil && !retracted.contains(record.sequence) {
            byExample[record.exampleID, default: [:]][record.reviewer] = record
        }
        self.byExample = byExample
    }

    /// The current verdicts on one example, by reviewer (empty when nobody judged it).
    public subscript(exampleID: Int) -> [String: VerdictRecord] {
        byExample[exampleID] ?? [:]
    }

    /// Every reviewer with at least one current verdict, sorted.
    public var reviewers: [String] {
        Set(byExample.values.flatMap(\.keys)).sorted()
    }

    /// Per reviewer, how many current verdicts of each kind they have (every verdict present,
    /// zero when unused).
    public var counts: [String: [Verdict: Int]] {
        var counts: [String: [Verdict: Int]] = [:]
        for reviewer in reviewers {
            counts[reviewer] = Dictionary(uniqueKeysWithValues: Verdict.allCases.map { ($0, 0) })
        }
        for verdicts in byExample.values {
            for (reviewer, record) in verdicts {
                if let verdict = record.verdict { counts[reviewer, default: [:]][verdict, default: 0] += 1 }
            }
        }
        return counts
    }

    /// Ids of the examples at least two reviewers judged differently (another verdict, or
    /// another suggested label), sorted.
    public var disagreements: [Int] {
        byExample.compactMap { id, verdicts in
            guard verdicts.count >= 2 else { return nil }
            let distinct = Set(
                verdicts.values.map { VerdictKey(verdict: $0.verdict, suggestedLabel: $0.suggestedLabel) })
            return distinct.count > 1 ? id : nil
        }.sorted()
    }

    private struct VerdictKey: Hashable {
        var verdict: Verdict?
        var suggestedLabel: Int?
    }
}
