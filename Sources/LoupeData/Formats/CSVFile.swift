import Foundation
import LoupeSupport

/// Reader for image datasets stored as CSV: one example per row, the integer label in the
/// first column and the pixel intensities (0...255) in the remaining columns.
///
/// A first row containing any non-numeric cell is taken as a header and skipped. Blank lines
/// are ignored; `\r\n` line endings are accepted; a UTF-8 byte-order mark is dropped (see
/// `TextEncoding`); the file may be gzip-compressed.
public enum CSVFile {
    /// Labels and pixels read from a CSV file.
    public struct Table: Sendable {
        /// One label per row.
        public var labels: [Int64]
        /// Number of pixel columns per row.
        public var pixelColumns: Int
        /// Pixels row after row, as bytes when every cell is an integer, else `nil`.
        public var bytePixels: [UInt8]?
        /// Pixels row after row, scaled to [0, 1], when some cell is fractional; else `nil`.
        public var floatPixels: [Float]?
    }

    /// Reads the table in the file at `url`.
    public static func read(_ url: URL) throws -> Table {
        try parse(readPossiblyGzippedFile(url), file: url.lastPathComponent)
    }

    /// Parses CSV bytes; `file` names the source in errors.
    public static func parse(_ bytes: [UInt8], file: String) throws -> Table {
        func fail(_ line: Int, _ problem: String) -> InputError {
            InputError(source: file, problem: "line \(line): \(problem)")
        }
        let body = try TextEncoding.utf8Body(of: bytes, file: file)
        var labels: [Int64] = []
        var bytePixels: [UInt8] = []
        var floatPixels: [Float]?  // set once a fractional cell appears
        var columns: Int?
        for (index, line) in body.split(
            separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false
        ).enumerated() {
            let lineNumber = index + 1
            let cells = (line.last == UInt8(ascii: "\r") ? line.dropLast() : line)
                .split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            if cells.count == 1 && cells[0].allSatisfy({ $0 == UInt8(ascii: " ") }) { continue }  // blank line
            let values = cells.map(number)
            if columns == nil {
                columns = cells.count
                if values.contains(where: { $0 == nil }) { continue }  // header row
            }
            guard cells.count == columns, cells.count >= 2 else {
                throw fail(lineNumber, "\(cells.count) columns, expected \(max(columns ?? 2, 2))")
            }
            for (column, value) in values.enumerated() {
                guard let value else {
                    throw fail(
                        lineNumber,
                        "column \(column + 1): \(EscapedText.quoted(String(decoding: cells[column], as: UTF8.self))) is not a number"
                    )
                }
                guard value.isFinite else {
                    throw fail(lineNumber, "column \(column + 1): non-finite value \(value)")
                }
                if column == 0 {
                    guard value == value.rounded(), abs(value) < 1e15 else {
                        throw fail(lineNumber, "label \(value) is not an integer")
                    }
                    labels.append(Int64(value))
                    continue
                }
                guard (0...255).contains(value) else {
                    throw fail(lineNumber, "column \(column + 1): pixel \(value) outside 0...255")
                }
                if floatPixels == nil && value != value.rounded() {
                    floatPixels = bytePixels.map(Float.init)
                }
                if floatPixels != nil {
                    floatPixels?.append(Float(value))
                } else {
                    bytePixels.append(UInt8(value))
                }
            }
        }
        guard let columns, !labels.isEmpty else { throw InputError(source: file, problem: "no data rows") }
        return Table(
            labels: labels, pixelColumns: columns - 1,
            bytePixels: floatPixels == nil ? bytePixels : nil,
            floatPixels: floatPixels.map { $0.map { $0 / 255 } })
    }

    /// The value of a numeric cell (surrounding spaces allowed), or `nil` when it is not a number.
    private static func number(_ cell: ArraySlice<UInt8>) -> Double? {
        let space = UInt8(ascii: " ")
        guard let first = cell.firstIndex(where: { $0 != space }),
            let last = cell.lastIndex(where: { $0 != space })
        else { return nil }
        let digits = cell[first...last]
        if digits.count < 16, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            return Double(digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) })
        }
        return Double(String(decoding: digits, as: UTF8.self))
    }
}
