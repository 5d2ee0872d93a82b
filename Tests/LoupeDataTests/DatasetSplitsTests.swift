import XCTest

@testable import LoupeData

final class DatasetSplitsTests: XCTestCase {
    func testStratifiedSplitIsPerClassDisjointAndSeeded() throws {
        let labels = (0..<60).map { Int64($0 % 3) }  // 20 per class
        let dataset = try Dataset(
            name: "d", shape: ImageShape(channels: 1, height: 1, width: 1), classCount: 3,
            bytes: (0..<60).map(UInt8.init), labels: labels)
        let splits = DatasetSplits(stratifying: dataset, testFraction: 0.25, seed: 9)
        XCTAssertEqual(splits.test.count, 15)
        XCTAssertEqual(splits.train.count, 45)
        for label in Int32(0)..<3 { XCTAssertEqual(splits.test.labels.filter { $0 == label }.count, 5) }
        XCTAssertEqual(Set(splits.train.ids + splits.test.ids), Set(0..<60))
        XCTAssertEqual(splits.test.ids, splits.test.ids.sorted())
        XCTAssertEqual(splits.test.images(at: [0]).scalars, [Float(splits.test.ids[0]) / 255])
        XCTAssertEqual(splits.test.name, "d/test")

        XCTAssertEqual(
            DatasetSplits(stratifying: dataset, testFraction: 0.25, seed: 9).test.ids, splits.test.ids)
        XCTAssertNotEqual(
            DatasetSplits(stratifying: dataset, testFraction: 0.25, seed: 10).test.ids, splits.test.ids)
    }
}
