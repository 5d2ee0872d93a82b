import XCTest

@testable import LoupeData

final class IDXFileTests: XCTestCase {
    let pixels: [UInt8] = Array(0..<18)  // two 3x3 images

    func testReadsRawAndGzipImagesAndLabels() throws {
        let directory = try temporaryDirectory(self)
        for compressed in [false, true] {
            var images = idxBytes(dims: [2, 3, 3], data: pixels)
            var labels = idxBytes(dims: [2], data: [7, 1])
            if compressed { (images, labels) = (try gzipped(images), try gzipped(labels)) }
            let imagesURL = directory.appendingPathComponent("images-\(compressed)")
            let labelsURL = directory.appendingPathComponent("labels-\(compressed)")
            try Data(images).write(to: imagesURL)
            try Data(labels).write(to: labelsURL)

            let read = try IDXFile.readImages(imagesURL)
            XCTAssertEqual([read.count, read.height, read.width], [2, 3, 3])
            XCTAssertEqual(read.pixels, pixels)
            XCTAssertEqual(try IDXFile.readLabels(labelsURL), [7, 1])
        }
    }

    func testWrongMagicNamesFileAndBothMagics() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("train-images-idx3-ubyte.gz")
        try Data(try gzipped(idxBytes(dims: [18], data: pixels))).write(to: url)
        assertInputError(
            try IDXFile.readImages(url), file: "train-images-idx3-ubyte.gz",
            problem: "wrong IDX magic 0x00000801, expected 0x00000803 (images)")
    }

    func testHeaderClaimingFourBillionImagesThrowsWithoutAllocating() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("lying-idx3-ubyte")
        try Data(idxBytes(dims: [0xFFFF_FFFF, 28, 28], data: pixels)).write(to: url)
        assertInputError(
            try IDXFile.readImages(url), file: "lying-idx3-ubyte",
            problem: "IDX header shape [4294967295, 28, 28] claims extents of 3.1 TiB, over the memory budget")
    }

    /// Zero images of 2^31 x 2^31 pixels: no bytes, but an image size no model can take.
    func testZeroImagesDoNotHideHugeImageExtents() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("empty-idx3-ubyte")
        try Data(idxBytes(dims: [0, 1 << 31, 1 << 31], data: [])).write(to: url)
        assertInputError(
            try IDXFile.readImages(url), file: "empty-idx3-ubyte",
            problem: "IDX header shape [0, 2147483648, 2147483648] claims extents of 4194304.0 TiB")
    }

    func testHeaderWhoseSizeOverflowsThrows() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("overflow-idx3-ubyte")
        try Data(idxBytes(dims: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], data: [])).write(to: url)
        assertInputError(try IDXFile.readImages(url), file: "overflow-idx3-ubyte", problem: "overflow")
    }

    func testShortFileAndTruncatedGzipThrow() throws {
        let directory = try temporaryDirectory(self)
        let short = directory.appendingPathComponent("short")
        try Data([0, 0, 8]).write(to: short)
        assertInputError(
            try IDXFile.readLabels(short), file: "short", problem: "too short for an IDX labels header")

        let truncated = directory.appendingPathComponent("t10k-images-idx3-ubyte.gz")
        let compressed = try gzipped(idxBytes(dims: [2, 3, 3], data: pixels))
        try Data(compressed.prefix(compressed.count - 12)).write(to: truncated)
        assertInputError(
            try IDXFile.readImages(truncated), file: "t10k-images-idx3-ubyte.gz",
            problem: "truncated compressed data")
    }

    func testMissingFileNamesIt() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("absent-idx1-ubyte")
        assertInputError(
            try IDXFile.readLabels(url), file: "absent-idx1-ubyte", problem: "No such file or directory")
    }
}
