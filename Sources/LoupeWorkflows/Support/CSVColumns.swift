import Foundation
import LoupeSupport

/// A CSV file without quoted fields, read by column name.
package struct CSVColumns {
    package var column: [String: Int]
    package var rows: [[String]]

    package init(url: URL, required: [String]) throws {
        let text: String
        text = try InputFile.readText(url, name: url.path)
        let lines = text.split(whereSeparator: \.isNewline).map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        guard let header = lines.first else { throw InputError(source: url.path, problem: "empty file") }
        let column = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        if let missing = required.first(where: { column[$0] == nil }) {
            throw InputError(
                source: url.path,
                problem: "no column '\(missing)' (columns: \(EscapedText.escaping(header.joined(separator: ", "))))")
        }
        let rows = Array(lines.dropFirst())
        if let bad = rows.firstIndex(where: { $0.count != header.count }) {
            throw InputError(
                source: url.path, problem: "line \(bad + 2) has \(rows[bad].count) fields, the header \(header.count)")
        }
        self.column = column
        self.rows = rows
    }
}
