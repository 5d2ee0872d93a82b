import Foundation
import LoupeSupport

/// Corrected labels, read from a CSV file whose header names an `id` and a `label` column,
/// for example (as the review app writes them)
///
///     id,label
///     17,3
///     204,5
///
/// One row per example whose label is corrected: the example's id and the new label, a class
/// index. An optional `split` column (`train` or `test`) says which split the id is in, for
/// data whose train and test parts number their examples separately (IDX files, an
/// ImageFolder with `train/` and `test/`); without it an id must be in one split only. Other
/// columns (a `class_name`, say) are ignored. Cells are plain strings (surrounding spaces
/// trimmed, no quoting); blank lines are skipped, `\r\n` line endings are accepted and a
/// UTF-8 byte-order mark is dropped. The file is read by `InputFile`, so its size is checked
/// against the memory budget before it is read.
///
/// Parsing checks the file on its own (header, numbers, at least one row); what depends on
/// the data (the id exists, the label is in range, each example once) is checked when the
/// overrides are applied (``Dataset/overridingLabels(_:)``,
/// ``DatasetSplits/overridingLabels(_:)``). Every error names the file and, for a row, its line.
public struct LabelOverrideFile: Sendable, Equatable {
    /// One corrected label.
    public struct Row: Sendable, Equatable {
        /// The example's id.
        public var id: Int
        /// The new label (a class index; checked against the data when applied).
        public var label: Int
        /// `train` or `test` when the file has a `split` column.
        public var split: String?
        /// The row's line in the file (1-based), for errors.
        public var line: Int

        public init(id: Int, label: Int, split: String? = nil, line: Int) {
            (self.id, self.label, self.split, self.line) = (id, label, split, line)
        }
    }

    /// How errors name the file.
    public let file: String
    /// The file itself, when it was read from disk (recorded as a run's input).
    public let url: URL?
    /// The rows, in file order.
    public let rows: [Row]
    /// The SHA-256 of the file's bytes, in lowercase hex.
    public let sha256: String

    /// Reads the file at `url`; errors name it by `name`, its path as given by default.
    ///
    /// - Throws: `InputError` when the file cannot be read, is over `budget`, or is malformed
    ///   (see ``parse(_:file:)``).
    public static func read(_ url: URL, name: String? = nil, budget: MemoryBudget = .current) throws
        -> LabelOverrideFile
    {
        let label = name ?? url.relativePath
        let bytes = try InputFile.read(url, name: label, budget: budget)
        let text = String(decoding: try TextEncoding.utf8Body(of: bytes, file: label), as: UTF8.self)
        let parsed = try parse(text, file: label)
        return LabelOverrideFile(
            file: label, url: url, rows: parsed.rows, sha256: SHA256.hex(of: Data(bytes)))
    }

    /// Parses CSV text; `file` names the source in errors.
    ///
    /// - Throws: `InputError` for an empty file, a header without `id` or `label` or with a
    ///   repeated column, a row with the wrong number of cells, an id or label that is not an
    ///   integer, a negative id, a split other than `train` or `test`, or no rows.
    public static func parse(_ text: String, file: String) throws(InputError) -> LabelOverrideFile {
        func fail(_ line: Int?, _ problem: String) -> InputError {
            InputError(source: file, problem: line.map { "line \($0): \(problem)" } ?? problem)
        }
        var header: [String]?
        var columns = (id: 0, label: 0, split: nil as Int?)
        var rows: [Row] = []
        // "\r\n" is a single Character in Swift, so it is a separator of its own.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (index, line) in lines.enumerated() {
            let lineNumber = index + 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard let names = header else {
                var seen = Set<String>()
                for name in cells where !seen.insert(name).inserted {
                    throw fail(lineNumber, "column \(EscapedText.quoted(name)) appears more than once in the header")
                }
                guard let id = cells.firstIndex(of: "id"), let label = cells.firstIndex(of: "label") else {
                    throw fail(
                        lineNumber,
                        "header must name an 'id' and a 'label' column (id,label), got \(EscapedText.quoted(String(line)))"
                    )
                }
                columns = (id, label, cells.firstIndex(of: "split"))
                header = cells
                continue
            }
            guard cells.count == names.count else {
                throw fail(lineNumber, "\(cells.count) cells, expected \(names.count)")
            }
            guard let id = Int(cells[columns.id]), id >= 0 else {
                throw fail(lineNumber, "id \(EscapedText.quoted(cells[columns.id])) is not a non-negative integer")
            }
            guard let label = Int(cells[columns.label]) else {
                throw fail(lineNumber, "label \(EscapedText.quoted(cells[columns.label])) is not an integer")
            }
            var split: String?
            if let column = columns.split {
                guard ["train", "test"].contains(cells[column]) else {
                    throw fail(lineNumber, "split \(EscapedText.quoted(cells[column])) is not 'train' or 'test'")
                }
                split = cells[column]
            }
            rows.append(Row(id: id, label: label, split: split, line: lineNumber))
        }
        guard header != nil else { throw fail(nil, "empty file, expected a header line id,label") }
        guard !rows.isEmpty else { throw fail(nil, "no rows after the header") }
        return LabelOverrideFile(file: file, url: nil, rows: rows, sha256: SHA256.hex(of: Data(text.utf8)))
    }

    /// Creates overrides from rows (for example, a review's corrections) without a file.
    public init(file: String, url: URL? = nil, rows: [Row], sha256: String) {
        (self.file, self.url, self.rows, self.sha256) = (file, url, rows, sha256)
    }
}
