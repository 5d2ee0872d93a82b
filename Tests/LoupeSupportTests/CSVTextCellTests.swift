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

    /// A text that begins with the guard itself gets one more, so reading undoes exactly one.
    func testLeadingQuoteIsGuardedSoTheMappingIsReversible() {
        XCTAssertEqual(CSVTextCell.guarded("'quoted"), "''quoted")
        XCTAssertEqual(CSVTextCell.guarded("''"), "'''")
        for text in ["'quoted", "''", "'", "'=x", "=x", "x'", "plain"] {
            XCTAssertEqual(CSVTextCell.unguarded(CSVTextCell.guarded(text)), text, text)
        }
    }

    func testOtherTextAndEmptyCellsAreUnchanged() {
        for text in ["", "plain", "cat/1.png", "a=b", "x-1", " =x", "\u{202E}evil", "\n=x", "＝x", "1.5"] {
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
