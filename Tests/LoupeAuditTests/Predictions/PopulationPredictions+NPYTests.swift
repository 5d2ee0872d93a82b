import Foundation
import LoupeAudit
import LoupeData
import LoupeSupport
import XCTest

final class PopulationPredictionsNPYTests: XCTestCase {
    private func decode(
        _ shape: [Int], _ elements: NPYArray.Elements, ids: [Int]? = nil, classCount: Int? = nil
    ) throws -> PopulationPredictions {
        try PopulationPredictions(
            npy: NPYArray(shape: shape, elements: elements), name: "ext", file: "ext.npy", exampleIDs: ids,
            classCount: classCount)
    }

    func testIntegerLabelsInEveryDtype() throws {
        let expected: [Int32] = [0, 1, 2, 2, 1, 0]
        for elements in [
            NPYArray.Elements.uint8([0, 1, 2, 2, 1, 0]), .int32(expected), .int64([0, 1, 2, 2, 1, 0]),
        ] {
            let p = try decode([2, 3], elements, classCount: 3)
            XCTAssertEqual(p.labels, expected)
            XCTAssertEqual(p.exampleIDs, [0, 1, 2])
            XCTAssertEqual(p.modelCount, 2)
        }
        XCTAssertEqual(try decode([1, 2], .int32([0, 1]), ids: [40, 41], classCount: 2).exampleIDs, [40, 41])
    }

    func testLogitsGiveArgmaxLabels() throws {
        // One model, two examples, three classes; the second example ties classes 1 and 2.
        let p = try decode([1, 2, 3], .float64([0.1, 0.7, 0.2, -1, 3, 3]))
        XCTAssertEqual(p.labels, [1, 1])
        XCTAssertEqual(p.classCount, 3)
        XCTAssertEqual(try decode([1, 2, 3], .float32([5, 0, 0, 0, 0, 5])).labels, [0, 2])
    }

    func testReadsAFileWrittenByNPYFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-preds-\(UUID()).npy")
        try NPYFile.write([0, 1, 1, 0] as [Int64], shape: [2, 2], to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let p = try PopulationPredictions.readNPY(url, name: "ext", exampleIDs: [5, 6], classCount: 2)
        XCTAssertEqual(p.labels, [0, 1, 1, 0])
        XCTAssertEqual(p.exampleIDs, [5, 6])
        XCTAssertEqual(p.name, "ext")
    }

    func testBadInputIsRejected() {
        assertThrows(
            InputError.self, "ext.npy: integer labels have shape [4], expected rank 2 [models, examples]"
        ) {
            _ = try decode([4], .int32([0, 1, 0, 1]), classCount: 2)
        }
        assertThrows(
            InputError.self,
            "ext.npy: float logits have shape [2, 2], expected rank 3 [models, examples, classes]"
        ) { _ = try decode([2, 2], .float32([0, 1, 0, 1])) }
        assertThrows(InputError.self, "ext.npy: integer labels need a class count") {
            _ = try decode([1, 2], .int32([0, 1]))
        }
        assertThrows(InputError.self, "ext.npy: label 5 of model 1, example id 0 is outside 0..<3") {
            _ = try decode([2, 2], .int32([0, 1, 5, 1]), classCount: 3)
        }
        assertThrows(InputError.self, "ext.npy: label 4294967296 of model 0, example id 1 is outside 0..<3") {
            _ = try decode([1, 2], .int64([0, 1 << 32]), classCount: 3)
        }
        assertThrows(InputError.self, "ext.npy: logit nan of model 0, example id 1, class 0 is not finite") {
            _ = try decode([1, 2, 2], .float32([0, 1, .nan, 1]))
        }
        assertThrows(InputError.self, "ext.npy: logits have 2 classes, expected 10") {
            _ = try decode([1, 2, 2], .float32([0, 1, 0, 1]), classCount: 10)
        }
        assertThrows(InputError.self, "ext.npy: 3 example ids for 2 example columns in shape [1, 2]") {
            _ = try decode([1, 2], .int32([0, 1]), ids: [1, 2, 3], classCount: 2)
        }
        assertThrows(InputError.self, "ext.npy: example id 1 appears more than once") {
            _ = try decode([1, 2], .int32([0, 1]), ids: [1, 1], classCount: 2)
        }
        assertThrows(InputError.self, "ext.npy: empty population: no models") {
            _ = try decode([0, 2], .int32([]), classCount: 2)
        }
    }

    func testMalformedFileIsRejectedWithItsName() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-bad-\(UUID().uuidString).npy")
        try Data("not numpy at all".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        assertThrows(InputError.self, "\(url.lastPathComponent): not an NPY file (bad magic)") {
            _ = try PopulationPredictions.readNPY(url, name: "ext", classCount: 2)
        }
    }

    /// No models of 2^50 examples: empty, but the example ids would be sized by the 2^50.
    func testEmptyArrayWithHugeExtentsIsRejectedBeforeSizingIDs() {
        XCTAssertThrowsError(try decode([0, 1 << 50], .uint8([]), classCount: 10)) { error in
            XCTAssertTrue(error is InputError)
            XCTAssertTrue(
                "\(error)".hasPrefix(
                    "ext.npy: shape [0, 1125899906842624] claims extents of 8192.0 TiB, over the memory budget"),
                "\(error)")
        }
    }
}
