import Foundation

/// A CSV file as header and rows of text cells: RFC 4180 quoting (`"a, b"`, `""` for a quote,
/// line breaks inside quotes), `\r\n` or `\n` line ends, blank lines skipped. Every row must
/// have the header's number of cells.
///
/// Loupe writes the header and its text columns with a formula guard (``CSVTextCell``); the
/// header's and the `textColumns`' guards are removed as the table is read, so their cells are
/// the text that was written (a class named `=x` reads back as `=x`, not `'=x`). Other
/// columns are kept as they are in the file.
package struct CSVRecords: Sendable {
    package var header: [String]
    package var rows: [[String]]

    /// Reads the file at `url` (within the memory budget); errors name `url`'s path.
    package init(url: URL, textColumns: Set<String> = []) throws {
        try self.init(
            parsing: try InputFile.readText(url, name: url.path), source: url.path, textColumns: textColumns)
    }

    package init(parsing text: String, source: String, textColumns: Set<String> = []) throws {
        var records: [[String]] = []
        var record: [String] = []
        var cell = ""
        var quoted = false
        var afterQuote = false
        var line = 1
        var quoteLine = 1
        func endRecord() {
            record.append(cell)
            if !(record.count == 1 && record[0].isEmpty) { records.append(record) }
            record = []
            cell = ""
        }
        var characters = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let scalar = pending ?? characters.next() {
            pending = nil
            if quoted {
                if scalar == "\"" {
                    if let next = characters.next() {
                        if next == "\"" {
                            cell.unicodeScalars.append("\"")
                        } else {
                            (quoted, afterQuote, pending) = (false, true, next)
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    cell.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case ",":
                record.append(cell)
                (cell, afterQuote) = ("", false)
            case "\n":
                endRecord()
                afterQuote = false
                line += 1
            case "\r":
                continue
            case "\"" where cell.isEmpty && !afterQuote:
                (quoted, quoteLine) = (true, line)
            default:
                guard !afterQuote else {
                    throw InputError(source: source, problem: "line \(line): text after a closing quote")
                }
                cell.unicodeScalars.append(scalar)
            }
        }
        guard !quoted else { throw InputError(source: source, problem: "line \(quoteLine): a quoted cell never ends") }
        if !cell.isEmpty || !record.isEmpty { endRecord() }
        guard let header = records.first else { throw InputError(source: source, problem: "empty file") }
        if let bad = records.indices.dropFirst().first(where: { records[$0].count != header.count }) {
            throw InputError(
                source: source,
                problem: "data row \(bad) has \(records[bad].count) cells, the header \(header.count)")
        }
        self.header = header.map(CSVTextCell.unguarded)
        self.rows = Array(records.dropFirst())
        for (index, name) in self.header.enumerated() where textColumns.contains(name) {
            for row in rows.indices { rows[row][index] = CSVTextCell.unguarded(rows[row][index]) }
        }
    }

    /// The index of each column by name (the first, if a name repeats).
    package var columns: [String: Int] {
        Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
