import LoupeRandom
import LoupeTensor
import XCTest

@testable import LoupeData

final class DatasetTests: XCTestCase {
    /// Four 1x2x2 byte images whose pixels are 4i...4i+3, labelled i % 2.
    func makeDataset() throws -> Dataset {
        try Dataset(
            name: "tiny", shape: ImageShape(channels: 1, height: 2, width: 2), classCount: 2,
            bytes: (0..<16).map(UInt8.init), labels: [0, 1, 0, 1])
    }

    func testImagesScaleBytesAndFollowPositions() throws {
        let batch = try makeDataset().images(at: [2, 0])
        XCTAssertEqual(batch.shape, [2, 1, 2, 2])
        XCTAssertEqual(batch.scalars, [8, 9, 10, 11, 0, 1, 2, 3].map { Float($0) / 255 })
    }

    /// Every byte value, converted sixteen at a time, equals `Float(byte) / 255` bit for bit
    /// (multiplying by 1/255 instead would differ for some values); the 3 bytes of the second
    /// image past the last full chunk take the scalar path.
    func testEveryByteValueScalesExactly() throws {
        let bytes = (0..<256).map(UInt8.init) + (0..<256).map { UInt8(255 - $0) }
        let dataset = try Dataset(
            name: "bytes", shape: ImageShape(channels: 1, height: 16, width: 16), classCount: 1,
            bytes: bytes, labels: [0, 0])
        XCTAssertEqual(dataset.images(at: [0, 1]).scalars, bytes.map { Float($0) / 255 })
        let ragged = try Dataset(
            name: "ragged", shape: ImageShape(channels: 1, height: 1, width: 19), classCount: 1,
            bytes: (0..<38).map { UInt8($0 * 6) }, labels: [0, 0])
        XCTAssertEqual(ragged.images(at: [1]).scalars, (19..<38).map { Float(UInt8($0 * 6)) / 255 })
    }

    func testFloatImagesAreUsedAsTheyAre() throws {
        let dataset = try Dataset(
            name: "f", shape: ImageShape(channels: 2, height: 1, width: 1), classCount: 3,
            floats: [0.5, -2, 7, 8],
            labels: [2, 0])
        XCTAssertEqual(dataset.images(at: [1]).scalars, [7, 8])
    }

    func testSubsetKeepsIdsLabelsAndPixels() throws {
        let dataset = try makeDataset()
        let subset = dataset.subset([3, 1]).subset([1])
        XCTAssertEqual(subset.ids, [1])
        XCTAssertEqual(subset.labels, [1])
        XCTAssertEqual(subset.images(at: [0]), dataset.images(at: [1]))
        XCTAssertEqual(subset.count, 1)
    }

    func testRejectsBadLabelsNonFinitePixelsAndCountMismatch() {
        let shape = ImageShape(channels: 1, height: 1, width: 2)
        assertInputError(
            try Dataset(
                name: "d", shape: shape, classCount: 3, bytes: [1, 2, 3, 4], labels: [0, 3],
                labelSource: "y.npy"),
            file: "y.npy", problem: "label 3 of example 1 is outside 0..<3")
        assertInputError(
            try Dataset(name: "d", shape: shape, classCount: 3, bytes: [1, 2, 3, 4], labels: [-1, 0]),
            file: "d",
            problem: "label -1 of example 0 is outside 0..<3")
        assertInputError(
            try Dataset(
                name: "d", shape: shape, classCount: 3, floats: [1, .nan], labels: [0], pixelSource: "x.npy"
            ),
            file: "x.npy", problem: "non-finite pixel value nan in image 0")
        assertInputError(
            try Dataset(
                name: "d", shape: shape, classCount: 3, floats: [1, 2, .infinity, 0], labels: [0, 0]),
            file: "d",
            problem: "non-finite pixel value inf in image 1")
        assertInputError(
            try Dataset(name: "d", shape: shape, classCount: 3, bytes: [1, 2, 3], labels: [0, 1]),
            file: "d",
            problem: "2 labels but 1.5 images of 1x1x2")
    }

    func testBatchOrderCoversEveryPositionOnceAndIsDeterministic() throws {
        let dataset = try Dataset(
            name: "d", shape: ImageShape(channels: 1, height: 1, width: 1), classCount: 1,
            bytes: [UInt8](repeating: 0, count: 10), labels: [Int64](repeating: 0, count: 10))
        var generator = SeededGenerator(seed: 5)
        XCTAssertEqual(
            dataset.batchOrder(batchSize: 4, shuffle: false, generator: &generator),
            [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])

        var first = SeededGenerator(seed: 5)
        var second = SeededGenerator(seed: 5)
        let shuffled = dataset.batchOrder(batchSize: 4, shuffle: true, generator: &first)
        XCTAssertEqual(shuffled, dataset.batchOrder(batchSize: 4, shuffle: true, generator: &second))
        XCTAssertEqual(shuffled.map(\.count), [4, 4, 2])
        XCTAssertEqual(shuffled.flatMap { $0 }.sorted(), Array(0..<10))
        XCTAssertNotEqual(shuffled.flatMap { $0 }, Array(0..<10))
        XCTAssertNotEqual(shuffled, dataset.batchOrder(batchSize: 4, shuffle: true, generator: &first))
    }
}
