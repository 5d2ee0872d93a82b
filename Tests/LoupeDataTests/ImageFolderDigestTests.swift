import Foundation
import LoupeSupport
import XCTest

@testable import LoupeData

/// The hash of a decoded ImageFolder that run manifests record: the documented canonical
/// form, hashed by Python's hashlib; kept in the decoded cache; changed by a pixel.
final class ImageFolderDigestTests: XCTestCase {
    func makeFolder() throws -> URL {
        let root = try temporaryDirectory(self)
        for (path, fixture) in [
            ("train/a/1.png", ImageFixtures.pngRGB), ("train/b/x.png", ImageFixtures.pngRGBA),
            ("test/a/2.png", ImageFixtures.pngPalette), ("test/b/1.png", ImageFixtures.pngRGB),
        ] {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(fixture.bytes).write(to: url)
        }
        return root
    }

    /// The canonical bytes written out from the loaded datasets (README, Data).
    func canonicalBytes(_ loaded: ImageFolder.Loaded) -> [UInt8] {
        let shape = loaded.train.shape
        var text = "loupe-imagefolder-digest 1\n\(shape.channels) \(shape.height) \(shape.width)\n"
        text += loaded.train.classNames!.map { $0 + "\n" }.joined()
        var bytes = Array(text.utf8)
        for (name, part) in [("train", loaded.train), ("test", loaded.test!)] {
            bytes += Array("part \(name) \(part.count)\n".utf8)
            for index in 0..<part.count {
                bytes += Array("\(part.paths![index])\t\(part.labels[index])\n".utf8)
                bytes += part.images(at: [index]).scalars.map { UInt8(($0 * 255).rounded()) }
            }
        }
        return bytes
    }

    func testDigestIsTheCanonicalFormsSHA256AndSurvivesTheCache() throws {
        let root = try makeFolder()
        let cache = try temporaryDirectory(self)
        let options = ImageFolder.Options(cacheDirectory: cache)
        let decoded = try ImageFolder.load(root, options: options)
        XCTAssertFalse(decoded.fromCache)
        let python = try String(
            decoding: LoupeDataTests.run(
                "/usr/bin/python3",
                ["-c", "import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())"],
                input: canonicalBytes(decoded)), as: UTF8.self
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(decoded.digest.sha256, python)
        XCTAssertEqual(decoded.digest.imageCount, 4)
        XCTAssertEqual(decoded.digest.root, root.standardizedFileURL.path)
        XCTAssertEqual(decoded.train.imageFolder, decoded.digest)
        XCTAssertEqual(decoded.test!.subset([1]).imageFolder, decoded.digest, "subsets keep it")
        let cached = try ImageFolder.load(root, options: options)
        XCTAssertTrue(cached.fromCache)
        XCTAssertEqual(cached.digest, decoded.digest)
        XCTAssertEqual(try decoded.digest.recomputedSHA256(), decoded.digest.sha256)

        // A version-1 cache (the same file with the old magic) is decoded again, not misread.
        let file = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: cache.path).first)
        let url = cache.appendingPathComponent(file)
        var bytes = try Data(contentsOf: url)
        bytes.replaceSubrange(0..<8, with: Array("LOUPEIF1".utf8))
        try bytes.write(to: url)
        XCTAssertFalse(try ImageFolder.load(root, options: options).fromCache)

        // The same pixels in another encoding (RGBA to RGB, alpha dropped): the same hash.
        try Data(ImageFixtures.pngRGB.bytes).write(to: root.appendingPathComponent("train/b/x.png"))
        let reencoded = try ImageFolder.load(root, options: options)
        XCTAssertFalse(reencoded.fromCache)
        XCTAssertEqual(reencoded.digest.sha256, decoded.digest.sha256)
        // Other pixels in one file (same shape): another hash.
        try Data(ImageFixtures.pngPalette.bytes).write(to: root.appendingPathComponent("train/b/x.png"))
        let changed = try ImageFolder.load(root, options: options)
        XCTAssertNotEqual(changed.digest.sha256, decoded.digest.sha256)
        XCTAssertEqual(try decoded.digest.recomputedSHA256(), changed.digest.sha256)
    }
}
