import Foundation
import LoupeReport

/// The verdict log and its conclusions as files: `GET /api/verdicts?format=csv|jsonl` and the
/// label-override file.
public enum VerdictExport {
    /// The CSV columns, in order.
    public static let columns = [
        "sequence", "id", "reviewer", "verdict", "suggested_label", "note", "queue", "recorded_at", "tool_version",
        "undoes",
    ]

    /// `records` as CSV (RFC 4180, CRLF line ends, ``LoupeReport/CSVTable``): a header of
    /// ``columns``, then one row per record; absent values are empty cells. The reviewer, note
    /// and other text cells are guarded against formulas (a note `=1+1` is written `'=1+1`).
    public static func csv(_ records: [VerdictRecord]) -> String {
        var table = CSVTable(header: columns)
        for record in records {
            table.append([
                .number(record.sequence), .number(record.exampleID), .text(record.reviewer),
                .text(record.verdict?.rawValue ?? ""), record.suggestedLabel.map(CSVTable.Cell.number) ?? .empty,
                .text(record.note), .text(record.queue ?? ""), .text(record.recordedAt), .text(record.toolVersion),
                record.undoes.map(CSVTable.Cell.number) ?? .empty,
            ])
        }
        return table.text
    }

    /// `records` as JSON Lines: one compact JSON object per line (keys as in
    /// ``VerdictRecord``, sorted), each line ended by LF.
    public static func jsonLines(_ records: [VerdictRecord]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var text = ""
        for record in records {
            // Encoding strings, integers and nulls cannot fail.
            text += String(decoding: try! encoder.encode(record), as: UTF8.self) + "\n"
        }
        return text
    }

    /// The labels the reviewers' current verdicts correct, and the examples where they do not
    /// settle on one; see ``LabelOverrides`` for the rule.
    public static func labelOverrides(_ current: CurrentVerdicts) -> LabelOverrides {
        LabelOverrides(current)
    }
}
