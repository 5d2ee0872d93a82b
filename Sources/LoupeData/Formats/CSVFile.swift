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
    ///
    /// The text is read in place, line by line and cell by cell: beside the input, memory
    /// holds the labels and pixels only (1 byte per pixel, or 4 once a cell is fractional),
    /// never an array of lines or cells, which took 25-45 times the file's size.
    public static func parse(_ bytes: [UInt8], file: String) throws -> Table {
        func fail(_ line: Int, _ problem: String) -> InputError {
            InputError(source: file, problem: "line \(line): \(problem)")
        }
        let (newline, comma) = (UInt8(ascii: "\n"), UInt8(ascii: ","))
        let body = try TextEncoding.utf8Body(of: bytes, file: file)
        var labels: [Int64] = []
        var bytePixels: [UInt8] = []
        var floatPixels: [Float]?  // set once a fractional cell appears
        var columns: Int?
        var lineStart = body.startIndex
        var lineNumber = 0
        while lineStart <= body.endIndex {
            lineNumber += 1
            let lineEnd = body[lineStart...].firstIndex(of: newline) ?? body.endIndex
            var line = body[lineStart..<lineEnd]
            lineStart = lineEnd + 1
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            let cellCount = line.reduce(1) { $0 + ($1 == comma ? 1 : 0) }
            if cellCount == 1 && line.allSatisfy({ $0 == UInt8(ascii: " ") }) { continue }  // blank line
            if columns == nil {
                columns = cellCount
                var isHeader = false
                forEachCell(of: line) { _, cell in isHeader = isHeader || number(cell) == nil }
                if isHeader { continue }
            }
            guard cellCount == columns, cellCount >= 2 else {
                throw fail(lineNumber, "\(cellCount) columns, expected \(max(columns ?? 2, 2))")
            }
            try forEachCell(of: line) { column, cell in
                guard let value = number(cell) else {
                    throw fail(
                        lineNumber,
                        "column \(column + 1): \(EscapedText.quoted(String(decoding: cell, as: UTF8.self))) is not a number"
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
                    return
                }
                guard (0...255).contains(value) else {
                    throw fail(lineNumber, "column \(column + 1): pixel \(value) outside 0...255")
                }
                if floatPixels == nil && value != value.rounded() {
                    floatPixels = bytePixels.map(Float.init)
                    bytePixels = []
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

    /// Calls `body` with each comma-separated cell of `line` and its column, in order.
    private static func forEachCell(
        of line: ArraySlice<UInt8>, _ body: (Int, ArraySlice<UInt8>) throws -> Void
    ) rethrows {
        var start = line.startIndex
        var column = 0
        while true {
            let end = line[start...].firstIndex(of: UInt8(ascii: ",")) ?? line.endIndex
            try body(column, line[start..<end])
            guard end < line.endIndex else { return }
            (start, column) = (end + 1, column + 1)
        }
    }

    /// The value of a numeric cell (surrounding spaces and tabs allowed), or `nil` when it is
    /// not a decimal number (hexadecimal, `0x10`, is not one; `nan` and `inf` are, and are
    /// refused as non-finite).
    private static func number(_ cell: ArraySlice<UInt8>) -> Double? {
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = cell.firstIndex(where: { !isBlank($0) }),
            let last = cell.lastIndex(where: { !isBlank($0) })
        else { return nil }
        let digits = cell[first...last]
        if digits.count < 16, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            return Double(digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) })
        }
        guard !digits.contains(where: { $0 == UInt8(ascii: "x") || $0 == UInt8(ascii: "X") }) else { return nil }
        return Double(String(decoding: digits, as: UTF8.self))
    }
}
