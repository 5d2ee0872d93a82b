import LoupeAudit
import LoupeSupport
import XCTest

/// Errors quote bad cells as visible text on one line: a carriage return or an escape
/// sequence from a file never reaches the terminal raw.
final class ErrorDescriptionTests: XCTestCase {
    func assertOneVisibleLine(_ body: () throws -> Void, containing fragment: String, line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { error in
            let text = "\(error)"
            XCTAssertFalse(text.contains(where: \.isNewline), text.debugDescription, line: line)
            XCTAssertFalse(text.unicodeScalars.contains { $0.value < 0x20 }, text.debugDescription, line: line)
            XCTAssertTrue(text.contains(fragment), "\(text.debugDescription) lacks \(fragment)", line: line)
        }
    }

    func testPredictionsCSVCellWithControlCharacters() {
        assertOneVisibleLine(
            {
                _ = try PopulationPredictions.parseCSV(
                    "model,id,label\nm0,\r,0\n", file: "p.csv", name: "p", classCount: 2)
            },
            containing: "p.csv: line 2: id '\\r'")
        assertOneVisibleLine(
            {
                _ = try PopulationPredictions.parseCSV(
                    "model,id,label\nm0,\u{1B}[2J,0\n", file: "p.csv", name: "p", classCount: 2)
            }, containing: "\\x1b[2J")
    }

    func testAttributeCellWithControlCharacters() {
        assertOneVisibleLine(
            { _ = try AttributeTable.parse("id,sex\n1,f\n\r\u{0C},m\n", file: "groups.csv") }, containing: "groups.csv")
    }

    func testDescriptionOfTheAuditErrorEscapes() {
        XCTAssertEqual(InputError(source: "a\nb", problem: "x\ry").description, "a\\nb: x\\ry")
    }
}
