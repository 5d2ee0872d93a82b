import Foundation
import XCTest

@testable import LoupeData

final class DatasetLoaderTests: XCTestCase {
    func testMNIST5kLoadsWithAStableStratifiedSplit() throws {
        let splits = try DatasetLoader.load("mnist-5k")
        let (train, test) = (splits.train, splits.test)
        XCTAssertEqual([train.count, test.count], [4000, 1000])
        XCTAssertEqual(train.shape, ImageShape(channels: 1, height: 28, width: 28))
        XCTAssertEqual(train.classCount, 10)
        for label in Int32(0)..<10 {
            XCTAssertEqual(train.labels.filter { $0 == label }.count, 400)
            XCTAssertEqual(test.labels.filter { $0 == label }.count, 100)
        }
        XCTAssertEqual(Set(train.ids).union(test.ids), Set(0..<5000))
        XCTAssertTrue(Set(train.ids).isDisjoint(with: test.ids))
        // The source file is ordered by class, 500 per class, so an id determines its label.
        XCTAssertTrue(zip(test.ids, test.labels).allSatisfy { Int32($0 / 500) == $1 })
        XCTAssertEqual(try DatasetLoader.load("mnist-5k").test.ids, test.ids)
        XCTAssertEqual(
            train.sources.map(\.lastPathComponent), ["images-idx3-ubyte.gz", "labels-idx1-ubyte.gz"])

        // Pixel sum of source image 0, computed once with Python:
        //   np.frombuffer(gzip.open('images-idx3-ubyte.gz').read(), np.uint8, offset=16)[:784].sum() == 31095
        let dataset = train.ids.first == 0 ? train : test
        let image = dataset.images(at: [try XCTUnwrap(dataset.ids.firstIndex(of: 0))])
        XCTAssertEqual(image.scalars.reduce(0, +) * 255, 31095, accuracy: 0.5)
    }

    func testFashionMNISTWhenInstalled() throws {
        guard FileManager.default.fileExists(atPath: DatasetLoader.fashionMNISTDirectory.path) else {
            throw XCTSkip(
                "Fashion-MNIST is not installed (apt-get install -y dataset-fashion-mnist); skipping")
        }
        let start = Date()
        let splits = try DatasetLoader.load("fashion-mnist")
        XCTAssertLessThan(Date().timeIntervalSince(start), 3, "decoding Fashion-MNIST is too slow")
        XCTAssertEqual([splits.train.count, splits.test.count], [60000, 10000])
        XCTAssertEqual(splits.train.classCount, 10)
        XCTAssertEqual(splits.train.ids, Array(0..<60000))
        XCTAssertEqual(Set(splits.test.labels), Set(0..<10))
        XCTAssertEqual(splits.train.images(at: Array(0..<256)).shape, [256, 1, 28, 28])
    }

    func testMissingFashionMNISTSaysHowToInstallIt() throws {
        let directory = try temporaryDirectory(self)
        assertInputError(
            try DatasetLoader.loadFashionMNIST(from: directory, options: .init()),
            file: directory.appendingPathComponent("train-images-idx3-ubyte.gz").path,
            problem: "run `apt-get install -y dataset-fashion-mnist`")
    }

    func testInferredClassCountIsCapped() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("many.csv")
        try "5000,1\n1,2\n1,3\n1,4\n".write(to: url, atomically: true, encoding: .utf8)
        assertInputError(
            try DatasetLoader.load(url.path), file: "many.csv",
            problem: "label 5000 implies more than 1000 classes; give the class count")
        XCTAssertEqual(
            try DatasetLoader.load(url.path, options: .init(classCount: 5001)).train.classCount, 5001)
    }

    func testIDXDirectoryWithTrainAndTestPairs() throws {
        let directory = try temporaryDirectory(self)
        let images: [[UInt8]] = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 9, 9, 9]]
        try writeIDXPair(
            in: directory, prefix: "train-", images: images, side: 2, labels: [0, 4, 2], compressed: true)
        try writeIDXPair(in: directory, prefix: "t10k-", images: [images[2]], side: 2, labels: [1])
        let splits = try DatasetLoader.load(directory.path)
        XCTAssertEqual([splits.train.count, splits.test.count], [3, 1])
        XCTAssertEqual(splits.train.classCount, 5)
        XCTAssertEqual(splits.train.images(at: [1]).scalars, [5, 6, 7, 8].map { Float($0) / 255 })
        XCTAssertEqual(splits.test.name, directory.lastPathComponent + "/test")
        XCTAssertEqual(splits.train.sources.count, 2)

        // A second candidate for one file was passed over silently, in name order.
        try FileManager.default.copyItem(
            at: directory.appendingPathComponent("train-images-idx3-ubyte.gz"),
            to: directory.appendingPathComponent("train-images-idx3-ubyte.copy.gz"))
        assertInputError(
            try DatasetLoader.load(directory.path), file: directory.lastPathComponent,
            problem:
                "several train idx3-ubyte files ('train-images-idx3-ubyte.copy.gz', 'train-images-idx3-ubyte.gz'); keep one"
        )
    }

    func testIDXDirectoryErrors() throws {
        let directory = try temporaryDirectory(self)
        try writeIDXPair(in: directory, images: [[1], [2]], side: 1, labels: [0, 1, 1])
        assertInputError(
            try DatasetLoader.load(directory.path), file: "labels-idx1-ubyte",
            problem: "3 labels but images-idx3-ubyte has 2 images")
        assertInputError(
            try DatasetLoader.load(directory.path, options: .init(testFraction: 1)), file: directory.path,
            problem: "test fraction 1.0 must be between 0 and 1")

        try writeIDXPair(in: directory, images: [[1], [2]], side: 1, labels: [0, 7])
        assertInputError(
            try DatasetLoader.load(directory.path, options: .init(classCount: 5)),
            file: "labels-idx1-ubyte",
            problem: "label 7 of example 1 is outside 0..<5")
    }

    func testCSVFileWithHeaderSplitsStratified() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("digits.csv")
        let rows = (0..<20).map { "\($0 % 2),\($0),0,0,\(255 - $0)" }
        try ("label,a,b,c,d\n" + rows.joined(separator: "\n")).write(
            to: url, atomically: true, encoding: .utf8)
        let splits = try DatasetLoader.load(url.path, options: .init(testFraction: 0.3, splitSeed: 1))
        XCTAssertEqual([splits.train.count, splits.test.count], [14, 6])
        XCTAssertEqual(splits.train.shape, ImageShape(channels: 1, height: 2, width: 2))
        XCTAssertEqual(splits.train.classCount, 2)
        let id = splits.test.ids[0]
        XCTAssertEqual(
            splits.test.images(at: [0]).scalars, [Float(id), 0, 0, Float(255 - id)].map { $0 / 255 })
        XCTAssertEqual(splits.train.sources, [url])
    }

    /// A source without images, or a split that leaves one part empty, is refused: nothing
    /// can train or be evaluated on it.
    func testEmptyDatasetsAndSplitsAreRefused() throws {
        let directory = try temporaryDirectory(self)
        try writeIDXPair(in: directory, images: [], side: 2, labels: [])
        assertInputError(
            try DatasetLoader.load(directory.path, options: .init(classCount: 2)), file: "images-idx3-ubyte",
            problem: "has no images")

        let pairs = try temporaryDirectory(self)
        try writeIDXPair(in: pairs, prefix: "train-", images: [[1, 2, 3, 4]], side: 2, labels: [0])
        try writeIDXPair(in: pairs, prefix: "t10k-", images: [], side: 2, labels: [])
        assertInputError(
            try DatasetLoader.load(pairs.path), file: "t10k-images-idx3-ubyte", problem: "has no images")

        let url = directory.appendingPathComponent("two.csv")
        try "0,1,2,3,4\n1,1,2,3,4\n".write(to: url, atomically: true, encoding: .utf8)
        assertInputError(
            try DatasetLoader.load(url.path), file: "two.csv",
            problem: "splitting 2 images with test fraction 0.2 leaves no test images")
        assertInputError(
            try DatasetLoader.load(url.path, options: .init(testFraction: 0.5)), file: "two.csv",
            problem: "splitting 2 images with test fraction 0.5 leaves no training images")
    }

    /// A FIFO given as data is reported as what it is, without blocking on it.
    func testFIFOIsNotARegularFile() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("pipe.csv")
        XCTAssertEqual(mkfifo(url.path, 0o600), 0)
        assertInputError(try DatasetLoader.load(url.path), file: "pipe.csv", problem: "not a regular file (a FIFO)")
    }

    func testCSVShapeMustBeSquareOrGiven() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("wide.csv")
        try "0,1,2,3,4,5,6\n1,1,2,3,4,5,6\n0,1,2,3,4,5,6\n1,1,2,3,4,5,6\n".write(
            to: url, atomically: true, encoding: .utf8)
        assertInputError(
            try DatasetLoader.load(url.path), file: "wide.csv",
            problem: "6 values per image is not a square")
        let shape = ImageShape(channels: 3, height: 1, width: 2)
        XCTAssertEqual(
            try DatasetLoader.load(url.path, options: .init(testFraction: 0.5, imageShape: shape)).train
                .shape, shape)
    }

    func testNPYDirectoryAndNPZArchive() throws {
        let directory = try temporaryDirectory(self)
        let images = NPYArray(shape: [4, 1, 1, 2], elements: .float32([0, 1, 2, 3, 4, 5, 6, 7]))
        let labels = NPYArray(shape: [4], elements: .int32([0, 1, 0, 1]))
        try NPYFile.write(images, to: directory.appendingPathComponent("x.npy"))
        try NPYFile.write(labels, to: directory.appendingPathComponent("y.npy"))
        let fromDirectory = try DatasetLoader.load(directory.path, options: .init(testFraction: 0.5))
        XCTAssertEqual([fromDirectory.train.count, fromDirectory.test.count], [2, 2])
        let id = fromDirectory.train.ids[1]
        XCTAssertEqual(fromDirectory.train.images(at: [1]).scalars, [Float(2 * id), Float(2 * id + 1)])
        XCTAssertEqual(fromDirectory.train.sources.map(\.lastPathComponent), ["x.npy", "y.npy"])

        let archive = directory.appendingPathComponent("split.npz")
        try Data(
            storedZip([
                ("x_train.npy", NPYFile.encode(images)), ("y_train.npy", NPYFile.encode(labels)),
                ("x_test.npy", NPYFile.encode(images)), ("y_test.npy", NPYFile.encode(labels)),
            ])
        ).write(to: archive)
        let fromArchive = try DatasetLoader.load(archive.path)
        XCTAssertEqual([fromArchive.train.count, fromArchive.test.count], [4, 4])
        XCTAssertEqual(fromArchive.test.shape, ImageShape(channels: 1, height: 1, width: 2))
    }

    func testArrayErrorsNameTheMember() throws {
        let directory = try temporaryDirectory(self)
        let archive = directory.appendingPathComponent("bad.npz")
        let nanImages = NPYArray(shape: [2, 1, 1], elements: .float32([0.5, .nan]))
        let labels = NPYArray(shape: [2], elements: .uint8([0, 1]))
        try Data(storedZip([("x.npy", NPYFile.encode(nanImages)), ("y.npy", NPYFile.encode(labels))]))
            .write(to: archive)
        assertInputError(
            try DatasetLoader.load(archive.path), file: "bad.npz (x.npy)",
            problem: "non-finite pixel value nan")

        let floatLabels = NPYArray(shape: [2], elements: .float32([0, 1]))
        try Data(
            storedZip([
                ("images.npy", NPYFile.encode(labels)), ("labels.npy", NPYFile.encode(floatLabels)),
            ])
        )
        .write(to: archive)
        assertInputError(
            try DatasetLoader.load(archive.path), file: "bad.npz (labels.npy)",
            problem: "labels must be integers, got dtype <f4")

        try Data(storedZip([("other.npy", NPYFile.encode(labels))])).write(to: archive)
        assertInputError(
            try DatasetLoader.load(archive.path), file: "bad.npz", problem: "no arrays named x/y")
    }

    func testSplitsOfDifferentShapesOrPixelTypesAreRefused() throws {
        let archive = try temporaryDirectory(self).appendingPathComponent("splits.npz")
        let labels = NPYArray(shape: [2], elements: .uint8([0, 1]))
        func write(train: NPYArray, test: NPYArray) throws {
            try Data(
                storedZip([
                    ("x_train.npy", NPYFile.encode(train)), ("y_train.npy", NPYFile.encode(labels)),
                    ("x_test.npy", NPYFile.encode(test)), ("y_test.npy", NPYFile.encode(labels)),
                ])
            ).write(to: archive)
        }
        let bytes = NPYArray(shape: [2, 2, 2], elements: .uint8([0, 1, 2, 3, 4, 5, 6, 7]))
        try write(train: bytes, test: NPYArray(shape: [2, 1, 1], elements: .uint8([0, 1])))
        assertInputError(
            try DatasetLoader.load(archive.path), file: "splits.npz (x_test.npy)",
            problem: "images are 1x1x1 but splits.npz (x_train.npy)'s are 1x2x2")
        try write(train: bytes, test: NPYArray(shape: [2, 2, 2], elements: .float32(Array(repeating: 0.5, count: 8))))
        assertInputError(
            try DatasetLoader.load(archive.path), file: "splits.npz (x_test.npy)",
            problem: "pixels are floats but splits.npz (x_train.npy)'s are bytes")
    }

    /// Three of the four split arrays fell back to x/y, or to "no arrays named ...".
    func testSomeButNotAllSplitArraysAreRefused() throws {
        let archive = try temporaryDirectory(self).appendingPathComponent("three.npz")
        let images = NPYArray(shape: [2, 1, 1], elements: .uint8([0, 1]))
        let labels = NPYArray(shape: [2], elements: .uint8([0, 1]))
        try Data(
            storedZip([
                ("x_train.npy", NPYFile.encode(images)), ("y_train.npy", NPYFile.encode(labels)),
                ("x_test.npy", NPYFile.encode(images)), ("x.npy", NPYFile.encode(images)),
                ("y.npy", NPYFile.encode(labels)),
            ])
        ).write(to: archive)
        assertInputError(
            try DatasetLoader.load(archive.path), file: "three.npz",
            problem: "has x_train, y_train, x_test but not y_test; give all four or none")
    }

    func testUnknownSpecAndUnsupportedFile() throws {
        assertInputError(
            try DatasetLoader.load("no-such-dataset"), file: "no-such-dataset", problem: "unknown dataset"
        )
        let url = try temporaryDirectory(self).appendingPathComponent("data.bin")
        try Data([1, 2, 3]).write(to: url)
        assertInputError(
            try DatasetLoader.load(url.path), file: "data.bin", problem: "unsupported dataset file")
    }
}
