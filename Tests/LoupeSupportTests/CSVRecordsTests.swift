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

    /// The header's and the named text columns' formula guards are removed; other columns
    /// (a number, or text Loupe did not write) are read as they are.
    func testTextColumnsAndHeaderLoseTheirFormulaGuard() throws {
        let text =
            "id,variant,path,score,'-note\r\n" + "1,'=pruned,'@x/1.png,-0.25,'=kept\r\n"
            + "2,''quoted,\"'=a,b/2.png\",-1.5e-3,''kept\r\n"
        let table = try CSVRecords(parsing: text, source: "t.csv", textColumns: ["variant", "path"])
        XCTAssertEqual(table.header, ["id", "variant", "path", "score", "-note"])
        XCTAssertEqual(
            table.rows,
            [["1", "=pruned", "@x/1.png", "-0.25", "'=kept"], ["2", "'quoted", "=a,b/2.png", "-1.5e-3", "''kept"]])
        XCTAssertEqual(
            try CSVRecords(parsing: text, source: "t.csv").rows[0], ["1", "'=pruned", "'@x/1.png", "-0.25", "'=kept"])
    }
}
