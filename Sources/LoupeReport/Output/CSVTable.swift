import Foundation
import LoupeSupport

/// A table of text cells written as CSV following RFC 4180.
///
/// The header line comes first, then one line per row, each ended by CRLF. A cell containing
/// a comma, double quote, CR or LF is enclosed in double quotes, with its double quotes
/// doubled. Format numbers with ``cell(_:)-(Double)`` and ``cell(_:)-(Float)`` so that
/// they read back exactly.
public struct CSVTable: Equatable, Sendable {
    /// The column names.
    public let header: [String]
    /// The rows, each with one cell per column.
    public private(set) var rows: [[String]] = []

    public init(header: [String]) {
        self.header = header
    }

    /// Appends a row, which must have exactly one cell per column.
    public mutating func append(_ row: [String]) {
        precondition(row.count == header.count, "CSV row has \(row.count) cells, header has \(header.count)")
        rows.append(row)
    }

    /// The table as CSV text.
    public var text: String {
        var text = ""
        for line in [header] + rows {
            text += line.map(Self.quoted).joined(separator: ",")
            // A lone empty cell would make a blank line, which readers skip; quote it instead.
            if line == [""] { text += "\"\"" }
            text += "\r\n"
        }
        return text
    }

    /// Writes the table as UTF-8 CSV, atomically.
    public func write(to url: URL) throws {
        try AtomicFile.write(Data(text.utf8), to: url)
    }

    /// The shortest decimal text that parses back to exactly `value`, such as `0.1`,
    /// `1e-05`, `-0.0`, `inf` or `-inf`.
    ///
    /// NaN gives an empty cell, which pandas, R and spreadsheets read as a missing value.
    public static func cell(_ value: Double) -> String {
        value.isNaN ? "" : value.description
    }

    /// The shortest decimal text that parses back to exactly `value` as a `Float` (when read
    /// as a `Double` and rounded to `Float`), such as `0.1`; NaN gives an empty cell.
    public static func cell(_ value: Float) -> String {
        value.isNaN ? "" : value.description
    }

    /// `cell` as it appears in a CSV line.
    static func quoted(_ cell: String) -> String {
        let needsQuotes = cell.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }
        guard needsQuotes else { return cell }
        return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
