import XCTest

@testable import LoupeSupport

final class CSVTextCellTests: XCTestCase {
    func testEveryFormulaStartIsGuarded() {
        for start in ["=", "+", "-", "@", "\t", "\r"] {
            let text = start + "HYPERLINK(\"http://x\")"
            XCTAssertEqual(CSVTextCell.guarded(text), "'" + text, text.debugDescription)
            XCTAssertEqual(CSVTextCell.unguarded(CSVTextCell.guarded(text)), text, text.debugDescription)
        }
        XCTAssertEqual(CSVTextCell.guarded("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0")
        XCTAssertEqual(CSVTextCell.guarded("@SUM(A1)"), "'@SUM(A1)")
    }

    /// The full-width forms of `=`, `+`, `-` and `@` (U+FF1D, U+FF0B, U+FF0D, U+FF20), which a
    /// spreadsheet may also take for a formula's start, are guarded too and read back exactly.
    func testFullWidthFormulaStartsAreGuarded() {
        for start in ["\u{FF1D}", "\u{FF0B}", "\u{FF0D}", "\u{FF20}"] {
            let text = start + "HYPERLINK(\"http://x\")"
            XCTAssertEqual(CSVTextCell.guarded(text), "'" + text, text.debugDescription)
            XCTAssertEqual(CSVTextCell.unguarded(CSVTextCell.guarded(text)), text, text.debugDescription)
        }
        XCTAssertEqual(CSVTextCell.guarded("＝x"), "'＝x")
        XCTAssertEqual(CSVTextCell.guarded("＠SUM(A1)"), "'＠SUM(A1)")
        // Elsewhere than at the start, or a look-alike that is not one of them, is left alone.
        for text in ["x＝1", "a－b", " ＝x", "\u{2212}x", "\u{FE66}x"] {
            XCTAssertEqual(CSVTextCell.guarded(text), text, text.debugDescription)
        }
    }

    /// A class named `＝x` written in a text column is read back as `＝x` by Loupe's reader of
    /// its own tables, which removes the guard.
    func testFullWidthFormulaNamesRoundTripThroughTheReader() throws {
        let names = ["＝x", "＋1", "－x", "＠x", "'＝x", "x＝"]
        let text =
            "id,class_name\r\n"
            + names.enumerated().map { "\($0.offset),\(CSVTextCell.guarded($0.element))\r\n" }.joined()
        XCTAssertTrue(text.contains("0,'＝x\r\n"), text)
        let table = try CSVRecords(parsing: text, source: "t.csv", textColumns: ["class_name"])
        XCTAssertEqual(table.rows.map { $0[1] }, names)
    }

    /// A text that begins with the guard itself gets one more, so reading undoes exactly one.
    func testLeadingQuoteIsGuardedSoTheMappingIsReversible() {
        XCTAssertEqual(CSVTextCell.guarded("'quoted"), "''quoted")
        XCTAssertEqual(CSVTextCell.guarded("''"), "'''")
        for text in ["'quoted", "''", "'", "'=x", "=x", "x'", "plain"] {
            XCTAssertEqual(CSVTextCell.unguarded(CSVTextCell.guarded(text)), text, text)
        }
    }

    func testOtherTextAndEmptyCellsAreUnchanged() {
        for text in ["", "plain", "cat/1.png", "a=b", "x-1", " =x", "\u{202E}evil", "\n=x", "1.5"] {
            XCTAssertEqual(CSVTextCell.guarded(text), text, text.debugDescription)
            XCTAssertEqual(CSVTextCell.unguarded(text), text, text.debugDescription)
        }
    }

    /// Numbers are never passed through the guard (they are not text cells); read back, a
    /// number cell has no guard to remove and stays as it is.
    func testNumbersReadBackUnchanged() {
        for number in ["-1.5e-3", "-0.25", "-0.0", "-inf", "1e-05", "0", "-3"] {
            XCTAssertEqual(CSVTextCell.unguarded(number), number)
        }
    }
}
