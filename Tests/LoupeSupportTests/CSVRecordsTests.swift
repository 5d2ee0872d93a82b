import XCTest

@testable import LoupeSupport

final class CSVRecordsTests: XCTestCase {
    func testQuotedCellsLineEndsAndBlankLines() throws {
        let text = "id,path,note\r\n1,\"a,b.jpg\",\"say \"\"hi\"\"\nthere\"\r\n\r\n2,c.jpg,\n"
        let table = try CSVRecords(parsing: text, source: "t.csv")
        XCTAssertEqual(table.header, ["id", "path", "note"])
        XCTAssertEqual(table.rows, [["1", "a,b.jpg", "say \"hi\"\nthere"], ["2", "c.jpg", ""]])
        XCTAssertEqual(table.columns["note"], 2)
    }

    func testMalformedTablesNameTheFileAndPlace() {
        for (text, problem) in [
            ("", "empty file"), ("id,a\n1\n", "data row 1 has 1 cells, the header 2"),
            ("id,a\n1,\"open\n", "line 2: a quoted cell never ends"),
            ("id,a\n1,\"x\"y\n", "line 2: text after a closing quote"),
        ] {
            XCTAssertThrowsError(try CSVRecords(parsing: text, source: "t.csv"), text) { error in
                XCTAssertEqual("\(error)", "t.csv: \(problem)", text)
            }
        }
    }
}
