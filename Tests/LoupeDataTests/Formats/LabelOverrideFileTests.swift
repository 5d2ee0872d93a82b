import Foundation
import LoupeSupport
import XCTest

@testable import LoupeData

final class LabelOverrideFileTests: XCTestCase {
    func testParsesRowsWithTheirLinesAndIgnoresOtherColumns() throws {
        let file = try LabelOverrideFile.parse(
            "label, id ,class_name\r\n3,17,three\n\n 5 ,204,five\n", file: "fix.csv")
        XCTAssertEqual(
            file.rows, [.init(id: 17, label: 3, line: 2), .init(id: 204, label: 5, line: 4)])
        XCTAssertEqual(file.file, "fix.csv")
        XCTAssertNil(file.url)
    }

    func testReadsTheSplitColumn() throws {
        let file = try LabelOverrideFile.parse("id,label,split\n1,0,train\n1,2,test\n", file: "fix.csv")
        XCTAssertEqual(file.rows.map(\.split), ["train", "test"])
    }

    /// The hash is of the file's bytes (reference: Python's `hashlib.sha256(b'id,label\n3,1\n')`).
    func testReadsAFileAndHashesItsBytes() throws {
        let directory = try temporaryDirectory(self)
        let url = directory.appendingPathComponent("fix.csv")
        try Data("id,label\n3,1\n".utf8).write(to: url)
        let file = try LabelOverrideFile.read(url, name: "fix.csv")
        XCTAssertEqual(file.rows, [.init(id: 3, label: 1, line: 2)])
        XCTAssertEqual(file.sha256, "6aac4a9689db6e12cc09ae28cacd1cfcd00b448412daf3daced1b182ab747718")
        XCTAssertEqual(file.url, url)
    }

    func testBadFilesAreRejectedNamingTheFileAndLine() {
        let cases: [(text: String, message: String)] = [
            ("", "fix.csv: empty file, expected a header line id,label"),
            ("\n \n", "fix.csv: empty file, expected a header line id,label"),
            ("id,label\n", "fix.csv: no rows after the header"),
            (
                "id,class\n1,2\n",
                "fix.csv: line 1: header must name an 'id' and a 'label' column (id,label), got 'id,class'"
            ),
            ("id,label,id\n1,2,1\n", "fix.csv: line 1: column 'id' appears more than once in the header"),
            ("id,label\n1,2\nx,3\n", "fix.csv: line 3: id 'x' is not a non-negative integer"),
            ("id,label\n-1,3\n", "fix.csv: line 2: id '-1' is not a non-negative integer"),
            ("id,label\n1,two\n", "fix.csv: line 2: label 'two' is not an integer"),
            ("id,label\n1,2.5\n", "fix.csv: line 2: label '2.5' is not an integer"),
            ("id,label\n1,2,3\n", "fix.csv: line 2: 3 cells, expected 2"),
            ("id,label\n1\n", "fix.csv: line 2: 1 cells, expected 2"),
            ("id,label,split\n1,2,val\n", "fix.csv: line 2: split 'val' is not 'train' or 'test'"),
        ]
        for item in cases {
            XCTAssertThrowsError(try LabelOverrideFile.parse(item.text, file: "fix.csv"), item.text) { error in
                XCTAssertEqual((error as? InputError)?.description, item.message, item.text)
            }
        }
    }

    func testAFileOverTheBudgetIsRefusedBeforeItIsRead() throws {
        let directory = try temporaryDirectory(self)
        let url = directory.appendingPathComponent("big.csv")
        try Data(("id,label\n" + String(repeating: "1,2\n", count: 100)).utf8).write(to: url)
        XCTAssertThrowsError(try LabelOverrideFile.read(url, name: "big.csv", budget: MemoryBudget(bytes: 64))) {
            error in
            let message = (error as? InputError)?.description ?? ""
            XCTAssertTrue(message.hasPrefix("big.csv: file of "), message)
            XCTAssertTrue(message.contains("over the memory budget"), message)
        }
        XCTAssertThrowsError(try LabelOverrideFile.read(directory.appendingPathComponent("none.csv"), name: "none.csv"))
        { error in
            XCTAssertEqual((error as? InputError)?.description, "none.csv: No such file or directory")
        }
    }
}
