import Foundation
import LoupeAudit
import LoupeSupport
import XCTest

final class AttributeTableTests: XCTestCase {
    func testParsesColumnsIDsAndValues() throws {
        let table = try AttributeTable.parse("sex, id ,age\r\nF,3,old\n\nM, 1 ,young\n", file: "attrs.csv")
        XCTAssertEqual(table.columns, ["sex", "age"])
        XCTAssertEqual(table.ids, [3, 1])
        XCTAssertEqual(table.values, [["F", "old"], ["M", "young"]])
        XCTAssertEqual(table.file, "attrs.csv")
    }

    func testReadsAFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-attrs-\(UUID()).csv")
        try "id,group\n0,a\n".write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertEqual(try AttributeTable.read(url).values, [["a"]])
        let missing = url.deletingLastPathComponent().appendingPathComponent("no-such-attrs.csv")
        XCTAssertThrowsError(try AttributeTable.read(missing)) { error in
            XCTAssertTrue(
                (error as? InputError)?.description.hasPrefix("no-such-attrs.csv: No such file or directory")
                    ?? false)
        }
    }

    func testBadInputIsRejectedWithItsLine() {
        let cases: [(text: String, message: String)] = [
            ("sex,age\nF,old\n", "a.csv: line 1: header has no 'id' column"),
            ("id\n1\n", "a.csv: line 1: header has no group column besides 'id'"),
            ("id,sex,sex\n1,F,F\n", "a.csv: line 1: column 'sex' appears more than once in the header"),
            ("id,sex\n1,F\n2,M\n1,M\n", "a.csv: line 4: id 1 appears more than once (first on line 2)"),
            ("id,sex,age\n1,F,old\n2,M\n", "a.csv: line 3: 2 cells, expected 3"),
            ("id,sex\n1,F,extra\n", "a.csv: line 2: 3 cells, expected 2"),
            ("id,sex\nx1,F\n", "a.csv: line 2: id 'x1' is not an integer"),
            ("", "a.csv: no header row"),
            ("id,sex\n", "a.csv: no data rows"),
        ]
        for item in cases {
            assertThrows(InputError.self, item.message) { _ = try AttributeTable.parse(item.text, file: "a.csv") }
        }
    }

    /// A UTF-8 byte-order mark before the header does not hide the `id` column.
    func testReadsAFileWithAByteOrderMark() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-attrs-\(UUID()).csv")
        try Data([0xEF, 0xBB, 0xBF] + Array("id,group\n0,a\n".utf8)).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let table = try AttributeTable.read(url)
        XCTAssertEqual(table.columns, ["group"])
        XCTAssertEqual(table.ids, [0])
    }

    func testControlCharactersInCellsAreEscaped() {
        assertThrows(InputError.self, "a.csv: line 2: id '\\x1b[1m7' is not an integer") {
            _ = try AttributeTable.parse("id,g\n\u{1B}[1m7,a\n", file: "a.csv")
        }
    }
}
