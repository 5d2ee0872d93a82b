import XCTest

@testable import LoupeSupport

final class EscapedTextTests: XCTestCase {
    func testControlCharactersAndLineBreaksAreEscaped() {
        XCTAssertEqual(EscapedText.escaping("a\u{1B}[31mb\nc\r\td\u{7F}\u{0}"), "a\\x1b[31mb\\nc\\r\\td\\x7f\\x00")
        XCTAssertEqual(EscapedText.escaping("\u{85}x\u{202E}y\u{2028}"), "\\u{85}x\\u{202e}y\\u{2028}")
    }

    func testEveryBidirectionalControlIsEscaped() {
        for value: UInt32 in [
            0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F, 0x061C,
        ] {
            let scalar = Unicode.Scalar(value)!
            XCTAssertTrue(EscapedText.isBidirectionalControl(scalar), String(value, radix: 16))
            XCTAssertEqual(EscapedText.escaping("a\(scalar)b"), "a\\u{\(String(value, radix: 16))}b")
        }
        for text in ["\u{2065}", "\u{206A}", "\u{2029}", "\u{200D}", "\u{0627}"] {
            XCTAssertFalse(EscapedText.isBidirectionalControl(text.unicodeScalars.first!), text)
        }
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
