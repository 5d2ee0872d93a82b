import Foundation
import LoupeSupport

/// A table of protected attributes per example, read from a CSV file whose header row names
/// an `id` column and one or more group columns, for example
///
///     id,sex,age
///     0,F,young
///     1,M,old
///
/// Cells are plain strings (surrounding spaces trimmed; no quoting, so a value cannot contain
/// a comma). Blank lines are skipped, `\r\n` line endings are accepted and a UTF-8 byte-order
/// mark is dropped (the file is read by `InputFile.readText`). Ids are integers and must be
/// distinct.
public struct AttributeTable: Sendable, Equatable {
    /// The file name, used in errors.
    public let file: String
    /// The group column names, in file order, without `id`.
    public let columns: [String]
    /// The example id of each row, in file order.
    public let ids: [Int]
    /// The group values of each row, one per column.
    public let values: [[String]]

    /// Reads the table in the file at `url`.
    ///
    /// - Throws: `InputError` when the file cannot be read or is malformed (see `parse`).
    public static func read(_ url: URL) throws -> AttributeTable {
        try parse(InputFile.readText(url), file: url.lastPathComponent)
    }

    /// Parses CSV text; `file` names the source in errors.
    ///
    /// - Throws: `InputError` for an empty file, a header without an `id` column or
    ///   without group columns, a repeated column name, a row with the wrong number of cells,
    ///   a non-integer id, a repeated id, or no data rows.
    public static func parse(_ text: String, file: String) throws -> AttributeTable {
        func fail(_ problem: String) -> InputError { InputError(source: file, problem: problem) }
        var header: [String]?
        var idColumn = 0
        var ids: [Int] = []
        var rows: [[String]] = []
        var firstLine: [Int: Int] = [:]
        // "\r\n" is a single Character in Swift, so it is a separator of its own.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (index, line) in lines.enumerated() {
            let lineNumber = index + 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard let columns = header else {
                guard let position = cells.firstIndex(of: "id") else {
                    throw fail("line \(lineNumber): header has no 'id' column")
                }
                guard cells.count >= 2 else {
                    throw fail("line \(lineNumber): header has no group column besides 'id'")
                }
                var names = Set<String>()
                for name in cells where !names.insert(name).inserted {
                    throw fail(
                        "line \(lineNumber): column \(EscapedText.quoted(name)) appears more than once in the header")
                }
                header = cells
                idColumn = position
                continue
            }
            guard cells.count == columns.count else {
                throw fail("line \(lineNumber): \(cells.count) cells, expected \(columns.count)")
            }
            guard let id = Int(cells[idColumn]) else {
                throw fail("line \(lineNumber): id \(EscapedText.quoted(cells[idColumn])) is not an integer")
            }
            if let first = firstLine[id] {
                throw fail("line \(lineNumber): id \(id) appears more than once (first on line \(first))")
            }
            firstLine[id] = lineNumber
            ids.append(id)
            var values = cells
            values.remove(at: idColumn)
            rows.append(values)
        }
        guard var columns = header else { throw fail("no header row") }
        guard !ids.isEmpty else { throw fail("no data rows") }
        columns.remove(at: idColumn)
        return AttributeTable(file: file, columns: columns, ids: ids, values: rows)
    }
}
