import XCTest

@testable import LoupeSupport

final class EscapedTextTests: XCTestCase {
    func testControlCharactersAndLineBreaksAreEscaped() {
        XCTAssertEqual(EscapedText.escaping("a\u{1B}[31mb\nc\r\td\u{7F}\u{0}"), "a\\x1b[31mb\\nc\\r\\td\\x7f\\x00")
        XCTAssertEqual(EscapedText.escaping("\u{85}x\u{202E}y\u{2028}"), "\\u{85}x\\u{202e}y\\u{2028}")
    }

    func testPrintableTextIsKept() {
        let text = "données.csv: label 'é' at C:\\path, 7 > 5 ✓"
        XCTAssertEqual(EscapedText.escaping(text), text)
    }

    func testQuotedShortensLongCells() {
        XCTAssertEqual(EscapedText.quoted("x\u{1B}"), "'x\\x1b'")
        XCTAssertEqual(EscapedText.quoted(String(repeating: "a", count: 100), limit: 5), "'aaaaa...'")
    }

    func testFileAndSizeErrorsEscapeWhatTheyQuote() {
        XCTAssertEqual(InputError(source: "a\nb.csv", problem: "cell '\r'").description, "a\\nb.csv: cell '\\r'")
        XCTAssertEqual(SizeError(source: "x\u{1B}", problem: "too big").description, "x\\x1b: too big")
        XCTAssertFalse("1\u{0B}2\u{0C}3\u{2029}".escapedForOneLine.contains(where: \.isNewline))
    }
}
