import LoupeSupport
import XCTest

final class OneLineTextTests: XCTestCase {
    func testLineBreaksAndControlsBecomeVisibleEscapes() {
        XCTAssertEqual("a\r\nb\tc".escapedForOneLine, "a\\r\\nb\\tc")
        XCTAssertEqual("\u{1B}[31mred\u{7F}\u{85}".escapedForOneLine, "\\u{1B}[31mred\\u{7F}\\u{85}")
        XCTAssertEqual("x\u{2028}y\u{202E}z\u{0C}".escapedForOneLine, "x\\u{2028}y\\u{202E}z\\u{C}")
        XCTAssertFalse("1\u{0B}2\u{0C}3\u{2029}".escapedForOneLine.contains(where: \.isNewline))
    }

    func testOrdinaryTextIsKept() {
        let text = "images-idx3-ubyte.gz: 'ünïcødé' 数据 \\ \"quoted\" 1e309"
        XCTAssertEqual(text.escapedForOneLine, text)
    }

    func testFileAndSizeErrorsEscapeWhatTheyQuote() {
        XCTAssertEqual(FileError(path: "a\nb.csv", problem: "cell '\r'").description, "a\\nb.csv: cell '\\r'")
        XCTAssertEqual(SizeError(subject: "x\u{1B}", problem: "too big").description, "x\\u{1B}: too big")
    }
}
