import Foundation
import LoupeSupport

/// A table of cells written as CSV following RFC 4180, safe to open in a spreadsheet.
///
/// The header line comes first, then one line per row, each ended by CRLF. A cell containing
/// a comma, double quote, CR or LF is enclosed in double quotes, with its double quotes
/// doubled. Every cell says whether it is text or a number (``Cell``): a text cell, and every
/// column name, that begins with `=`, `+`, `-`, `@`, a tab or a carriage return (or with `'`)
/// is written with a `'` before it, so a spreadsheet does not run a class named
/// `=HYPERLINK(...)` as a formula (``LoupeSupport/CSVTextCell``); a number such as `-0.25` is
/// written as it is. Format numbers with ``Cell/number(_:)-(Double)`` and
/// ``Cell/number(_:)-(Float)`` so that they read back exactly.
public struct CSVTable: Equatable, Sendable {
    /// A cell of a row: text (guarded against formulas) or a number (written as it is).
    ///
    /// A string literal is a text cell, so `""` is an empty cell.
    public struct Cell: Equatable, Sendable, ExpressibleByStringLiteral {
        /// The cell as it is written in the file, before RFC 4180 quoting: a text's guarded
        /// form, a number's digits.
        public let written: String

        private init(written: String) {
            self.written = written
        }

        /// A text cell holding the literal (`"none"`; `""` is an empty cell).
        public init(stringLiteral text: String) {
            self = .text(text)
        }

        /// A cell holding `text` (a path, a class or variant name, a note): a `'` is put
        /// before it when it begins with a formula character or `'`.
        public static func text(_ text: String) -> Cell {
            Cell(written: CSVTextCell.guarded(text))
        }

        /// The shortest decimal text that parses back to exactly `value` (``CSVTable/cell(_:)-(Double)``);
        /// NaN gives an empty cell.
        public static func number(_ value: Double) -> Cell {
            Cell(written: CSVTable.cell(value))
        }

        /// The shortest decimal text that parses back to exactly `value` as a `Float`
        /// (``CSVTable/cell(_:)-(Float)``); NaN gives an empty cell.
        public static func number(_ value: Float) -> Cell {
            Cell(written: CSVTable.cell(value))
        }

        /// An integer in decimal, such as `-3`.
        public static func number(_ value: some BinaryInteger) -> Cell {
            Cell(written: String(value))
        }

        /// An empty cell: a missing value.
        public static let empty = Cell(written: "")
    }

    /// The column names (each written as a text cell).
    public let header: [String]
    /// The rows, each with one cell per column, as written (``Cell/written``).
    public private(set) var rows: [[String]] = []

    public init(header: [String]) {
        self.header = header
    }

    /// Appends a row, which must have exactly one cell per column.
    public mutating func append(_ row: [Cell]) {
        precondition(row.count == header.count, "CSV row has \(row.count) cells, header has \(header.count)")
        rows.append(row.map(\.written))
    }

    /// The table as CSV text.
    public var text: String {
        var text = ""
        for line in [header.map(CSVTextCell.guarded)] + rows {
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

    /// `cell` (as written, see ``Cell/written``) as it appears in a CSV line: in double quotes
    /// when RFC 4180 asks for them.
    static func quoted(_ cell: String) -> String {
        let needsQuotes = cell.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }
        guard needsQuotes else { return cell }
        return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
