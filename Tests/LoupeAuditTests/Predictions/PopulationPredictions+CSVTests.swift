import Foundation
import LoupeAudit
import LoupeSupport
import XCTest

final class PopulationPredictionsCSVTests: XCTestCase {
    private func parse(_ text: String, classCount: Int = 3, expectedIDs: [Int]? = nil) throws -> PopulationPredictions {
        try PopulationPredictions.parseCSV(
            text, file: "preds.csv", name: "ext", classCount: classCount, expectedIDs: expectedIDs)
    }

    func testLongFormInAnyColumnOrder() throws {
        let text = "id,label,model\r\n7,2,seed1\n3,0,seed1\n\n3,1,seed0\n7,2,seed0\n"
        let p = try parse(text)
        XCTAssertEqual(p.exampleIDs, [3, 7])
        XCTAssertEqual(p.modelCount, 2)
        // Models in order of first appearance: seed1, then seed0.
        XCTAssertEqual(p.labels, [0, 2, 1, 2])
        let ordered = try parse(text, expectedIDs: [7, 3])
        XCTAssertEqual(ordered.exampleIDs, [7, 3])
        XCTAssertEqual(ordered.labels, [2, 0, 2, 1])
    }

    func testReadsAFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-preds-\(UUID()).csv")
        try "model,id,label\na,0,1\n".write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertEqual(try PopulationPredictions.readCSV(url, name: "ext", classCount: 2).labels, [1])
    }

    func testBadInputIsRejected() {
        let cases: [(text: String, expectedIDs: [Int]?, message: String)] = [
            ("model,id\na,1\n", nil, "preds.csv: line 1: header must name the columns 'model', 'id' and 'label'"),
            ("model,id,label\na,1\n", nil, "preds.csv: line 2: 2 cells, expected 3"),
            ("model,id,label\na,one,1\n", nil, "preds.csv: line 2: id 'one' is not an integer"),
            ("model,id,label\na,1,0.5\n", nil, "preds.csv: line 2: label '0.5' is not an integer"),
            ("model,id,label\na,1,3\n", nil, "preds.csv: line 2: label 3 is outside 0..<3"),
            ("model,id,label\na,1,0\na,1,2\n", nil, "preds.csv: line 3: model 'a' has more than one row for id 1"),
            ("model,id,label\na,1,0\na,2,1\nb,2,1\n", nil, "preds.csv: model 'b' has no row for id 1"),
            ("model,id,label\na,1,0\na,9,1\n", [1, 2], "preds.csv: id 9 is not among the expected example ids"),
            ("model,id,label\na,1,0\n", [1, 2], "preds.csv: no prediction for expected id 2"),
            ("", nil, "preds.csv: no header row"),
            ("model,id,label\n", nil, "preds.csv: no data rows"),
        ]
        for item in cases {
            assertThrows(InputError.self, item.message) {
                _ = try parse(item.text, expectedIDs: item.expectedIDs)
            }
        }
    }

    /// A UTF-8 byte-order mark (Excel) before the header does not hide the `model` column.
    func testReadsAFileWithAByteOrderMark() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-preds-\(UUID()).csv")
        try Data([0xEF, 0xBB, 0xBF] + Array("model,id,label\na,0,2\n".utf8)).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let read = try PopulationPredictions.readCSV(url, name: "ext", classCount: 3)
        XCTAssertEqual(read.exampleIDs, [0])
        XCTAssertEqual(read.label(model: 0, example: 0), 2)
    }

    /// Predictions are read through `InputFile`: a FIFO is named, not blocked on.
    func testFIFOIsNotARegularFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-preds-\(UUID()).csv")
        XCTAssertEqual(mkfifo(url.path, 0o600), 0)
        defer { try? FileManager.default.removeItem(at: url) }
        assertThrows(InputError.self, "\(url.lastPathComponent): not a regular file (a FIFO)") {
            _ = try PopulationPredictions.readCSV(url, name: "ext", classCount: 3)
        }
    }

    func testControlCharactersInCellsAreEscaped() {
        assertThrows(InputError.self, "preds.csv: line 2: id '\\x1b]0;x\\x07' is not an integer") {
            _ = try parse("model,id,label\na,\u{1B}]0;x\u{7},1\n")
        }
    }
}
