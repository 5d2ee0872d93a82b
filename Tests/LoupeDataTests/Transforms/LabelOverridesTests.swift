import Foundation
import LoupeSupport
import XCTest

@testable import LoupeData

final class LabelOverridesTests: XCTestCase {
    /// Six 1x1x1 images with labels 0, 1, 2, 0, 1, 2 (three classes); ids 0...5.
    func makeDataset() throws -> Dataset {
        try Dataset(
            name: "tiny", shape: ImageShape(channels: 1, height: 1, width: 1), classCount: 3,
            bytes: (0..<6).map(UInt8.init), labels: [0, 1, 2, 0, 1, 2])
    }

    func overrides(_ text: String) throws -> LabelOverrideFile {
        try LabelOverrideFile.parse(text, file: "fix.csv")
    }

    func testChangesTheGivenLabelsAndCountsOnlyRealChanges() throws {
        let dataset = try makeDataset()
        // id 4 is set to its current label 1: allowed, not counted.
        let (changed, count) = try dataset.overridingLabels(try overrides("id,label\n5,0\n4,1\n0,2\n"))
        XCTAssertEqual(changed.labels, [2, 1, 2, 0, 1, 0])
        XCTAssertEqual(count, 2)
        XCTAssertEqual(changed.ids, dataset.ids)
        XCTAssertEqual(changed.images(at: Array(0..<6)).scalars, dataset.images(at: Array(0..<6)).scalars)
    }

    func testLooksIdsUpNotPositions() throws {
        let subset = try makeDataset().subset([5, 1, 3])  // ids 5, 1, 3 at positions 0, 1, 2
        let (changed, count) = try subset.overridingLabels(try overrides("id,label\n3,2\n"))
        XCTAssertEqual(changed.labels, [2, 1, 2])
        XCTAssertEqual(count, 1)
        XCTAssertThrowsError(try subset.overridingLabels(try overrides("id,label\n0,2\n"))) { error in
            XCTAssertEqual(
                (error as? InputError)?.description, "fix.csv: line 2: id 0 is not in tiny (3 examples)")
        }
    }

    func testAFileReadFromDiskJoinsTheSources() throws {
        let directory = try temporaryDirectory(self)
        let url = directory.appendingPathComponent("fix.csv")
        try Data("id,label\n1,0\n".utf8).write(to: url)
        let file = try LabelOverrideFile.read(url)
        let (changed, _) = try makeDataset().overridingLabels(file)
        XCTAssertEqual(changed.sources, [url])
    }

    func testBadRowsNameTheFileAndLine() throws {
        let dataset = try makeDataset()
        let cases: [(text: String, message: String)] = [
            ("id,label\n1,0\n6,1\n", "fix.csv: line 3: id 6 is not in tiny (6 examples)"),
            ("id,label\n1,3\n", "fix.csv: line 2: label 3 is outside 0..<3"),
            ("id,label\n1,-1\n", "fix.csv: line 2: label -1 is outside 0..<3"),
            ("id,label\n2,0\n1,0\n\n2,1\n", "fix.csv: line 5: id 2 appears more than once (first on line 2)"),
        ]
        for item in cases {
            XCTAssertThrowsError(try dataset.overridingLabels(try overrides(item.text)), item.text) { error in
                XCTAssertEqual((error as? InputError)?.description, item.message, item.text)
            }
        }
    }

    /// Splits of one file share ids with nothing; splits of separate files number each part
    /// from 0, so an id in both needs the split column.
    func testSplitsLookEachIdUpInBothSplits() throws {
        let dataset = try makeDataset()
        let splits = DatasetSplits(train: dataset.subset([0, 2, 4]), test: dataset.subset([1, 3, 5]))
        let (changed, count) = try splits.overridingLabels(try overrides("id,label\n4,0\n3,2\n5,2\n"))
        XCTAssertEqual(changed.train.labels, [0, 2, 0])
        XCTAssertEqual(changed.test.labels, [1, 2, 2])
        XCTAssertEqual(count, 2)
        XCTAssertThrowsError(try splits.overridingLabels(try overrides("id,label\n9,0\n"))) { error in
            XCTAssertEqual(
                (error as? InputError)?.description, "fix.csv: line 2: id 9 is not in the train or the test split")
        }
        XCTAssertThrowsError(try splits.overridingLabels(try overrides("id,label,split\n4,0,test\n"))) { error in
            XCTAssertEqual((error as? InputError)?.description, "fix.csv: line 2: id 4 is not in the test split")
        }

        let separate = DatasetSplits(train: dataset.subset([0, 1]), test: try makeDataset().subset([1, 2]))
        XCTAssertThrowsError(try separate.overridingLabels(try overrides("id,label\n1,2\n"))) { error in
            XCTAssertEqual(
                (error as? InputError)?.description,
                "fix.csv: line 2: id 1 is in both the train and the test split; add a split column (train or test)")
        }
        let (picked, pickedCount) = try separate.overridingLabels(
            try overrides("id,label,split\n1,2,test\n1,0,train\n0,1,train\n"))
        XCTAssertEqual(picked.train.labels, [1, 0])
        XCTAssertEqual(picked.test.labels, [2, 2])
        XCTAssertEqual(pickedCount, 3)
    }
}
