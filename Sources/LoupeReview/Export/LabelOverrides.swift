import LoupeReport

/// Label corrections concluded from the current verdicts, for `--label-overrides`.
///
/// The rule, per example with at least one current verdict `mislabelled` that suggests a
/// class: with `n` the number of reviewers who have a current verdict on the example (whatever
/// it is), the label becomes `L` when more than `n / 2` of them say `mislabelled` with
/// suggested label `L` (a strict majority of everyone who judged it). Otherwise the example is a
/// conflict, listed and left out of the file: a tie (1 of 2), a split between classes, or a
/// minority against `correct` and other verdicts. `mislabelled` without a suggested class counts
/// among the `n` reviewers but for no class. Examples nobody suggests a class for are neither.
public struct LabelOverrides: Sendable, Equatable {
    /// One corrected label.
    public struct Override: Sendable, Equatable {
        public var exampleID: Int
        public var label: Int
        /// How many reviewers suggested `label`, and how many judged the example.
        public var supporting: Int
        public var reviewers: Int
    }

    /// An example where some reviewer suggests a class but no strict majority agrees on one.
    public struct Conflict: Sendable, Equatable, CustomStringConvertible {
        public var exampleID: Int
        /// The current verdicts on it, sorted by reviewer.
        public var verdicts: [VerdictRecord]

        /// `example 12: alice mislabelled->5, bob correct`.
        public var description: String {
            let parts = verdicts.map { record in
                let word = record.verdict?.rawValue ?? "undo"
                return record.suggestedLabel.map { "\(record.reviewer) \(word)->\($0)" } ?? "\(record.reviewer) \(word)"
            }
            return "example \(exampleID): " + parts.joined(separator: ", ")
        }
    }

    /// The corrections, by example id.
    public var overrides: [Override]
    /// The unsettled examples, by example id.
    public var conflicts: [Conflict]

    /// Applies the rule above to `current`.
    public init(_ current: CurrentVerdicts) {
        var overrides: [Override] = []
        var conflicts: [Conflict] = []
        for id in current.byExample.keys.sorted() {
            let verdicts = current.byExample[id]!
            var votes: [Int: Int] = [:]
            for record in verdicts.values where record.verdict == .mislabelled {
                if let label = record.suggestedLabel { votes[label, default: 0] += 1 }
            }
            guard !votes.isEmpty else { continue }
            let reviewers = verdicts.count
            if let (label, supporting) = votes.first(where: { $0.value * 2 > reviewers }) {
                overrides.append(Override(exampleID: id, label: label, supporting: supporting, reviewers: reviewers))
            } else {
                conflicts.append(
                    Conflict(exampleID: id, verdicts: verdicts.values.sorted { $0.reviewer < $1.reviewer }))
            }
        }
        self.overrides = overrides
        self.conflicts = conflicts
    }

    /// The override file: CSV with the header `id,label` and one row per override (CRLF line
    /// ends, as every CSV Loupe writes).
    public var csv: String { csv(split: nil) }

    /// The override file with a `split` column naming the split of every id (`train` or
    /// `test`), which `--label-overrides` needs where both splits count their ids from 0.
    public func csv(split: String?) -> String {
        var table = CSVTable(header: ["id", "label"] + (split.map { _ in ["split"] } ?? []))
        for override in overrides {
            table.append(
                [.number(override.exampleID), .number(override.label)] + (split.map { [.text($0)] } ?? []))
        }
        return table.text
    }
}
