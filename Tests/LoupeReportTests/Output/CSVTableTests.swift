import Foundation
import LoupeSupport
import XCTest

@testable import LoupeReport

final class CSVTableTests: XCTestCase {
    func testQuotesOnlyCellsThatNeedIt() {
        var table = CSVTable(header: ["id", "note"])
        table.append(["1", "plain"])
        table.append(["2", "a,b"])
        table.append(["3", "say \"hi\""])
        table.append(["4", "two\nlines"])
        XCTAssertEqual(
            table.text,
            "id,note\r\n1,plain\r\n2,\"a,b\"\r\n3,\"say \"\"hi\"\"\"\r\n4,\"two\nlines\"\r\n")
    }

    func testCarriageReturnLineFeedInsideACellIsQuoted() {
        // "\r\n" is one Character in Swift, so this checks the scan looks at scalars.
        XCTAssertEqual(CSVTable.quoted("a\r\nb"), "\"a\r\nb\"")
        XCTAssertEqual(CSVTable.quoted("a\rb"), "\"a\rb\"")
    }

    /// A text cell or column name that a spreadsheet would run as a formula is written after a
    /// `'` (and so is one that begins with `'`); numbers, however they begin, are written as
    /// they are.
    func testTextCellsAreGuardedAgainstFormulasAndNumbersAreNot() {
        var table = CSVTable(header: ["id", "class_name", "score", "@header"])
        table.append([.number(-3), .text("=cmd|' /C calc'!A0"), .number(-0.25), .text("+1")])
        table.append([.number(4), .text("'quoted"), .number(-1.5e-3), .text("-x")])
        table.append([.number(5), .text("@SUM(A1)"), .number(-Double.infinity), .text("\tx")])
        table.append([.number(6), .text("\rx"), .number(Float(-2.5)), .text("")])
        table.append([.number(7), "=literal", .empty, .text("plain, \"text\"")])
        XCTAssertEqual(
            table.text,
            "id,class_name,score,'@header\r\n" + "-3,'=cmd|' /C calc'!A0,-0.25,'+1\r\n" + "4,''quoted,-0.0015,'-x\r\n"
                + "5,'@SUM(A1),-inf,'\tx\r\n" + "6,\"'\rx\",-2.5,\r\n" + "7,'=literal,,\"plain, \"\"text\"\"\"\r\n")
        XCTAssertEqual(table.rows[0], ["-3", "'=cmd|' /C calc'!A0", "-0.25", "'+1"])
    }

    /// A class name that begins with a full-width `＝`, `＋`, `－` or `＠` is guarded as its ASCII
    /// form is, and Loupe's reader of its own tables gives back the exact name.
    func testFullWidthFormulaNamesAreGuardedAndReadBackExactly() throws {
        let names = ["＝x", "＋1", "－cat", "＠SUM(A1)", "'＝x", "cat＝"]
        var table = CSVTable(header: ["id", "class_name"])
        for (id, name) in names.enumerated() { table.append([.number(id), .text(name)]) }
        XCTAssertEqual(table.rows.map { $0[1] }, ["'＝x", "'＋1", "'－cat", "'＠SUM(A1)", "''＝x", "cat＝"])
        let read = try CSVRecords(parsing: table.text, source: "classes.csv", textColumns: ["class_name"])
        XCTAssertEqual(read.rows.map { $0[1] }, names)
    }

    func testLoneEmptyCellIsNotABlankLine() {
        var table = CSVTable(header: ["loss"])
        table.append([.number(Double.nan)])
        XCTAssertEqual(table.text, "loss\r\n\"\"\r\n")
    }

    func testNumberCellsRoundTripInSwift() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            let double = Double(bitPattern: generator.next())
            let float = Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()))
            if !double.isNaN { XCTAssertEqual(Double(CSVTable.cell(double))?.bitPattern, double.bitPattern) }
            if !float.isNaN { XCTAssertEqual(Float(CSVTable.cell(float))?.bitPattern, float.bitPattern) }
        }
        XCTAssertEqual(CSVTable.cell(0.1), "0.1")
        XCTAssertEqual(CSVTable.cell(Float(0.1)), "0.1")
        XCTAssertEqual(CSVTable.cell(-0.0), "-0.0")
        XCTAssertEqual(CSVTable.cell(Double.nan), "")
        XCTAssertEqual(CSVTable.cell(Float.nan), "")
    }

    /// Python's csv module reads back every cell, and `float()` gives the exact bits.
    func testPythonReadsTrickyFileBack() throws {
        let doubles: [Double] = [
            0.1, 1.0 / 3, -0.0, 1e-300, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 123_456_789_012_345_680,
            .infinity,
            -.infinity, 0.30000000000000004,
        ]
        let floats: [Float] = [0.1, 1.0 / 3, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 16_777_218, -2.5e-8]
        let texts = [
            "plain", "comma, inside", "quote \" inside", "\"starts quoted\"", "line\nfeed", "cr\rlf\r\n",
            "", " spaced ", "unicode é 数字 🙂", "trailing,",
        ]
        var table = CSVTable(header: ["text", "double", "float", "name, with \"quotes\""])
        for index in 0..<max(doubles.count, floats.count, texts.count) {
            table.append([
                .text(texts[index % texts.count]), .number(doubles[index % doubles.count]),
                .number(floats[index % floats.count]), index == 0 ? .number(Double.nan) : "x",
            ])
        }
        let url = try temporaryDirectory(for: self).appendingPathComponent("tricky.csv")
        try table.write(to: url)

        struct Parsed: Decodable {
            var rows: [[String]]
            var doubleBits: [String]
            var floatBits: [String]
        }
        let parsed = try Python.json(
            Parsed.self,
            """
            import csv, json, struct, sys
            with open(sys.argv[1], newline="", encoding="utf-8") as f:
                rows = list(csv.reader(f, strict=True))
            body = rows[1:]
            print(json.dumps({
                "rows": rows,
                "doubleBits": [struct.pack(">d", float(r[1])).hex() for r in body],
                "floatBits": [struct.pack(">f", float(r[2])).hex() for r in body],
            }))
            """, arguments: [url.path])
        XCTAssertEqual(parsed.rows, [table.header] + table.rows)
        let count = table.rows.count
        XCTAssertEqual(
            parsed.doubleBits,
            (0..<count).map { String(format: "%016llx", doubles[$0 % doubles.count].bitPattern) })
        XCTAssertEqual(
            parsed.floatBits, (0..<count).map { String(format: "%08x", floats[$0 % floats.count].bitPattern) })
    }
}
