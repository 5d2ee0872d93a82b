import Foundation
import LoupeSupport

/// A CSV file read by column name: RFC 4180 quoting (``CSVRecords``), as Loupe writes its
/// tables, so that a path or class name holding a comma, a quote or a line break reads back
/// (it failed as "line 6 has 13 fields, the header 11", and a crafted name could add a row).
/// The formula guard of the header and of `textColumns` is removed (``CSVTextCell``).
package struct CSVColumns {
    package var column: [String: Int]
    package var rows: [[String]]

    package init(url: URL, required: [String], textColumns: Set<String> = []) throws {
        let table = try CSVRecords(url: url, textColumns: textColumns)
        let column = Dictionary(table.header.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        if let missing = required.first(where: { column[$0] == nil }) {
            throw InputError(
                source: url.path,
                problem:
                    "no column '\(missing)' (columns: \(EscapedText.escaping(table.header.joined(separator: ", "))))")
        }
        self.column = column
        self.rows = table.rows
    }
}
