import Foundation
import LoupeSupport
import XCTest

@testable import LoupeData

final class ImageDecoderTests: XCTestCase {
    /// Every PNG and JPEG layout decodes to the pixels Pillow decodes (ImageFixtures).
    func testDecodesEveryLayoutAsPillowDoes() throws {
        let fixtures: [(String, ImageFixtures.Fixture)] = [
            ("grey", ImageFixtures.pngGrey), ("grey+alpha", ImageFixtures.pngGreyAlpha), ("RGB", ImageFixtures.pngRGB),
            ("RGBA", ImageFixtures.pngRGBA), ("palette", ImageFixtures.pngPalette), ("16-bit", ImageFixtures.pngGrey16),
            ("interlaced", ImageFixtures.pngInterlaced), ("baseline JPEG", ImageFixtures.jpegBaseline),
            ("progressive JPEG", ImageFixtures.jpegProgressive), ("grey JPEG", ImageFixtures.jpegGrey),
        ]
        for (name, fixture) in fixtures {
            let image = try ImageDecoder.decode(fixture.bytes, file: name)
            XCTAssertEqual([image.width, image.height, image.channels], [5, 4, fixture.channels], name)
            XCTAssertEqual(image.pixels, fixture.pixels, name)
        }
    }

    func testDamagedFilesAreErrorsNamingTheFile() {
        let jpeg = ImageFixtures.jpegBaseline.bytes
        let badCRC = ImageDecoderTestsData.breakingIDATChecksum(ImageFixtures.pngRGB.bytes)
        let cases: [(String, [UInt8], String)] = [
            ("truncated.jpg", Array(jpeg.prefix(jpeg.count / 2)), "corrupt JPEG"),
            ("crc.png", badCRC, "CRC"),
            ("text.jpg", Array("just some text\n".utf8), "not a JPEG or PNG image"),
            ("empty.png", [], "empty file"),
            ("truncated.png", Array(ImageFixtures.pngRGB.bytes.prefix(40)), "corrupt PNG"),
        ]
        for (file, bytes, problem) in cases {
            XCTAssertThrowsError(try ImageDecoder.decode(bytes, file: file), file) { error in
                let error = error as? InputError
                XCTAssertEqual(error?.source, file)
                XCTAssertTrue(error?.problem.contains(problem) == true, "\(file): \(String(describing: error))")
                XCTAssertFalse(error?.description.contains("\n") ?? true)
            }
        }
    }

    /// A CMYK JPEG is not corrupt: its colour space is one Loupe does not convert.
    func testACMYKJPEGIsNamedAsOne() {
        // Pillow 13: Image.new("CMYK", (4, 3), (10, 20, 30, 40)).save(buffer, "JPEG", quality=90)
        let cmyk = [UInt8](
            Data(
                base64Encoded:
                    "/9j/7gAOQWRvYmUAZAAAAAAA/9sAQwADAgIDAgIDAwMDBAMDBAUIBQUEBAUKBwcGCAwKDAwLCgsLDQ4SEA0OEQ4LCxAWEBETFBUVFQwPFxgWFBgSFBUU/8AAFAgAAwAEBEMRAE0RAFkRAEsRAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/aAA4EQwBNAFkASwAAPwD9OK/R2v0Dr7or/9k="
            )!)
        XCTAssertThrowsError(try ImageDecoder.decode(cmyk, file: "print.jpg")) { error in
            XCTAssertEqual(
                (error as? InputError)?.description, "print.jpg: a CMYK JPEG (a print colour space); convert it to RGB")
        }
    }

    func testImagesOverTheBudgetAreRefusedBeforeDecoding() {
        XCTAssertThrowsError(
            try ImageDecoder.decode(ImageFixtures.pngRGB.bytes, file: "big.png", budget: MemoryBudget(bytes: 59))
        ) { XCTAssertTrue("\($0)".contains("memory budget"), "\($0)") }
    }
}

final class ImageFolderTests: XCTestCase {
    /// A folder of class folders; `files` maps a relative path to its bytes.
    private func folder(_ files: [String: [UInt8]]) throws -> URL {
        let root = try temporaryDirectory(self)
        for (path, bytes) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        return root
    }

    private let rgb = ImageFixtures.pngRGB
    private let grey = ImageFixtures.pngGrey

    /// HWC to CHW.
    private func planar(_ fixture: ImageFixtures.Fixture) -> [UInt8] {
        let plane = fixture.pixels.count / fixture.channels
        return (0..<fixture.channels).flatMap { c in (0..<plane).map { fixture.pixels[$0 * fixture.channels + c] } }
    }

    func testTrainAndTestFoldersGiveSortedClassesPathsAndIds() throws {
        let root = try folder([
            "train/dog/b.png": rgb.bytes, "train/dog/A.PNG": rgb.bytes,
            "train/cat/x.jpeg": ImageFixtures.jpegBaseline.bytes,
            "train/cat/notes.txt": [1], "train/cat/.hidden.png": [2], "train/cat/sub/y.png": rgb.bytes,
            "test/cat/t.png": rgb.bytes, "test/dog/u.jpg": ImageFixtures.jpegProgressive.bytes, "README.md": [3],
        ])
        let splits = try DatasetLoader.load(root.path)
        XCTAssertEqual(splits.train.classNames, ["cat", "dog"])
        XCTAssertEqual(
            splits.train.paths, ["train/cat/sub/y.png", "train/cat/x.jpeg", "train/dog/A.PNG", "train/dog/b.png"])
        XCTAssertEqual(splits.train.labels, [0, 0, 1, 1])
        XCTAssertEqual(splits.train.ids, [0, 1, 2, 3])
        XCTAssertEqual(splits.test.paths, ["test/cat/t.png", "test/dog/u.jpg"])
        XCTAssertEqual(splits.test.ids, [0, 1])
        XCTAssertEqual(splits.train.shape, ImageShape(channels: 3, height: 4, width: 5))
        XCTAssertEqual(splits.train.name, root.lastPathComponent + "/train")
        XCTAssertEqual(splits.notes.count, 1)
        XCTAssertTrue(splits.notes[0].contains("skipped 2 file(s)"), splits.notes[0])
        XCTAssertEqual(splits.train.className(of: 1), "dog")
        // Pixels are stored CHW, divided by 255 per batch.
        let image = splits.train.images(at: [0])
        XCTAssertEqual(image.shape, [1, 3, 4, 5])
        XCTAssertEqual(image.scalars, planar(rgb).map { Float($0) / 255 })
    }

    func testASingleFolderIsSplitStratifiedKeepingPaths() throws {
        var files: [String: [UInt8]] = [:]
        for index in 0..<5 {
            files["a/\(index).png"] = grey.bytes
            files["b/\(index).png"] = grey.bytes
        }
        let root = try folder(files)
        let splits = try DatasetLoader.load(root.path, options: .init(testFraction: 0.4, splitSeed: 7))
        XCTAssertEqual(splits.train.count, 6)
        XCTAssertEqual(splits.test.count, 4)
        for part in [splits.train, splits.test] {
            for (position, id) in part.ids.enumerated() {
                XCTAssertEqual(part.paths?[position], "\(["a", "b"][id / 5])/\(id % 5).png")
                XCTAssertEqual(Int(part.labels[position]), id / 5)
            }
        }
        XCTAssertEqual(splits.test.classNames, ["a", "b"])
    }

    func testMixedSizesAndChannelsAreErrorsUnlessConverted() throws {
        let small = ImageDecoderTestsData.png(width: 2, height: 2, channels: 1, pixels: [0, 100, 200, 255])
        let mixedSize = try folder(["a/1.png": grey.bytes, "a/2.png": small])
        XCTAssertThrowsError(try DatasetLoader.load(mixedSize.path)) { error in
            XCTAssertEqual((error as? InputError)?.source, "a/2.png")
            XCTAssertTrue("\(error)".contains("is 2x2 but the first image (a/1.png) is 4x5"), "\(error)")
        }
        let resized = try ImageFolder.load(mixedSize, options: .init(imageSize: ImageSize(height: 1, width: 1)))
        XCTAssertEqual(resized.train.shape, ImageShape(channels: 1, height: 1, width: 1))
        // Area averaging of the 2x2 image: (0 + 100 + 200 + 255) / 4 = 138.75.
        XCTAssertEqual(resized.train.images(at: [1]).scalars, [139 / 255])

        let mixedChannels = try folder(["a/1.png": grey.bytes, "a/2.png": rgb.bytes])
        XCTAssertThrowsError(try DatasetLoader.load(mixedChannels.path)) { error in
            XCTAssertEqual((error as? InputError)?.source, "a/2.png")
            XCTAssertTrue("\(error)".contains("3 channel(s) but the first image (a/1.png) has 1"), "\(error)")
        }
        let colour = try ImageFolder.load(mixedChannels, options: .init(channels: 3)).train
        XCTAssertEqual(colour.images(at: [0]).scalars, (0..<3).flatMap { _ in grey.pixels.map { Float($0) / 255 } })
        let luma = try ImageFolder.load(mixedChannels, options: .init(channels: 1)).train.images(at: [1]).scalars
        for index in 0..<20 {
            let (r, g, b) = (
                Float(rgb.pixels[3 * index]), Float(rgb.pixels[3 * index + 1]), Float(rgb.pixels[3 * index + 2])
            )
            XCTAssertEqual(luma[index], (0.299 * r + 0.587 * g + 0.114 * b).rounded() / 255)
        }
    }

    func testAreaWeightsCoverEachOutputOnce() {
        let down = ImageResampling.weights(from: 3, to: 2)
        XCTAssertEqual(down.map { $0.map(\.0) }, [[0, 1], [1, 2]])
        let expected: [[Float]] = [[2 / 3, 1 / 3], [1 / 3, 2 / 3]]
        for (taps, weights) in zip(down, expected) {
            for (tap, weight) in zip(taps, weights) { XCTAssertEqual(tap.1, weight, accuracy: 1e-6) }
        }
        let up = ImageResampling.weights(from: 2, to: 4)
        XCTAssertEqual(up.map { $0.map(\.0) }, [[0], [0], [1], [1]])
        XCTAssertEqual(ImageSize(parsing: "32x24"), ImageSize(height: 32, width: 24))
        for bad in ["32", "0x3", "3x", "x3", "3x3x3", "70000x1"] { XCTAssertNil(ImageSize(parsing: bad), bad) }
    }

    /// Each bad input is one error naming the file.
    func testBadInputsAreErrorsNamingTheFile() throws {
        let jpeg = ImageFixtures.jpegBaseline.bytes
        let badCRC = ImageDecoderTestsData.breakingIDATChecksum(rgb.bytes)
        let cases: [([String: [UInt8]], String, String)] = [
            (["a/1.png": rgb.bytes, "a/2.jpg": Array(jpeg.prefix(jpeg.count - 40))], "a/2.jpg", "corrupt JPEG"),
            (["a/1.png": badCRC], "a/1.png", "CRC"),
            (["a/1.jpg": Array("hello".utf8)], "a/1.jpg", "not a JPEG or PNG image"),
            (["a/1.png": rgb.bytes, "b/notes.txt": [1]], "b/", "empty class folder"),
            (
                ["train/a/1.png": rgb.bytes, "test/a/1.png": rgb.bytes, "test/b/1.png": rgb.bytes], "test/b",
                "missing from train/"
            ),
            (
                ["train/a/1.png": rgb.bytes, "train/b/1.png": rgb.bytes, "test/a/1.png": rgb.bytes], "test/b",
                "missing from test/"
            ),
        ]
        for (files, file, problem) in cases {
            let root = try folder(files)
            XCTAssertThrowsError(try DatasetLoader.load(root.path), file) { error in
                XCTAssertEqual((error as? InputError)?.source, file, "\(error)")
                XCTAssertTrue("\(error)".contains(problem), "\(error)")
            }
        }
    }

    func testSymbolicLinkLoopsAreErrors() throws {
        let root = try folder(["a/1.png": rgb.bytes, "b/1.png": rgb.bytes])
        try FileManager.default.createSymbolicLink(atPath: root.path + "/a/self.png", withDestinationPath: "self.png")
        XCTAssertThrowsError(try DatasetLoader.load(root.path)) { error in
            XCTAssertEqual((error as? InputError)?.source, "a/self.png", "\(error)")
            XCTAssertTrue("\(error)".contains("symbolic links"), "\(error)")
        }
        try FileManager.default.removeItem(atPath: root.path + "/a/self.png")
        try FileManager.default.createSymbolicLink(atPath: root.path + "/b/here", withDestinationPath: ".")
        XCTAssertThrowsError(try DatasetLoader.load(root.path)) { error in
            XCTAssertEqual((error as? InputError)?.source, "b/here/", "\(error)")
            XCTAssertTrue("\(error)".contains("symbolic link loop"), "\(error)")
        }
        // Up to the root: the first folder met again is class a, before the loop back into b.
        try FileManager.default.removeItem(atPath: root.path + "/b/here")
        try FileManager.default.createSymbolicLink(atPath: root.path + "/b/up", withDestinationPath: "..")
        XCTAssertThrowsError(try DatasetLoader.load(root.path)) { error in
            XCTAssertEqual((error as? InputError)?.source, "b/up/a/", "\(error)")
            XCTAssertTrue("\(error)".contains("the same folder as a/ (through a symbolic link)"), "\(error)")
        }
    }

    /// A chain of folders each linking twice to the next has no loop, but 2^depth paths: each
    /// folder is listed once, so the second link is refused at once instead of listing them all.
    func testLinksThatMultiplyPathsAreRefusedAtTheFirstRepeat() throws {
        let root = try folder(["a/1.png": rgb.bytes, "b/1.png": rgb.bytes])
        let levels = root.appendingPathComponent(".levels")  // hidden: not a class
        for level in 0..<16 {
            try FileManager.default.createDirectory(
                at: levels.appendingPathComponent("L\(level)"), withIntermediateDirectories: true)
        }
        for level in 0..<15 {
            for name in ["x", "y"] {
                try FileManager.default.createSymbolicLink(
                    atPath: levels.path + "/L\(level)/\(name)", withDestinationPath: levels.path + "/L\(level + 1)")
            }
        }
        try Data(rgb.bytes).write(to: levels.appendingPathComponent("L15/2.png"))
        try FileManager.default.createSymbolicLink(
            atPath: root.path + "/a/chain", withDestinationPath: root.path + "/.levels/L0")
        // Depth first: the first repeat is the deepest folder's second link.
        let path = "a/chain/" + String(repeating: "x/", count: 14)
        XCTAssertThrowsError(try DatasetLoader.load(root.path)) { error in
            XCTAssertEqual((error as? InputError)?.source, path + "y/", "\(error)")
            XCTAssertTrue("\(error)".contains("the same folder as \(path)x/ (through"), "\(error)")
        }
    }

    func testUnreadableFilesAreErrors() throws {
        let root = try folder(["a/1.png": rgb.bytes])
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: root.path + "/a/1.png")
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: root.path + "/a/1.png")
        }
        try XCTSkipIf(geteuid() == 0, "running as root, where chmod 000 does not prevent reading")
        XCTAssertThrowsError(try DatasetLoader.load(root.path)) { error in
            XCTAssertEqual((error as? InputError)?.source, "a/1.png", "\(error)")
            XCTAssertTrue("\(error)".contains("Permission denied"), "\(error)")
        }
    }

    /// Caches of other sizes or of failed runs are pruned, least recently used first, once
    /// together they pass twice the memory budget; other files in the folder are left alone.
    func testOldCachesArePrunedPastTwiceTheBudget() throws {
        let directory = try temporaryDirectory(self)
        func make(_ name: String, bytes: Int, daysAgo: Double) throws {
            let url = directory.appendingPathComponent(name)
            try Data(count: bytes).write(to: url)
            try FileManager.default.setAttributes(
                [.modificationDate: Date(timeIntervalSinceNow: -86_400 * daysAgo)], ofItemAtPath: url.path)
        }
        try make("imagefolder-older.bin", bytes: 1000, daysAgo: 2)
        try make("imagefolder-old.bin", bytes: 1000, daysAgo: 1)
        try make("notes.txt", bytes: 5000, daysAgo: 3)
        setenv("LOUPE_MEMORY_BUDGET", "1000", 1)
        defer { unsetenv("LOUPE_MEMORY_BUDGET") }
        let cache = ImageFolderCache(directory: directory, root: directory, options: ImageFolder.Options())
        try cache.write(
            fingerprint: [UInt8](repeating: 1, count: 32), shape: ImageShape(channels: 1, height: 2, width: 2),
            parts: [[1, 2, 3, 4]], sha256: [UInt8](repeating: 2, count: 32))
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(),
            ["imagefolder-old.bin", cache.file.lastPathComponent, "notes.txt"].sorted())
    }

    /// Each decoding thread holds up to three copies of an image, so one image may take a
    /// third of a thread's share of the budget: an image that fits the whole budget but not
    /// that share is refused (on many threads, such images took several times the budget).
    func testAnImageOverItsThreadsShareOfTheBudgetIsRefused() throws {
        let budget = 1 << 16
        let share = budget / (3 * min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let side = Int((Double(share) / 3).squareRoot()) + 2
        XCTAssertLessThan(side * side * 3 * 2, budget)
        let large = ImageDecoderTestsData.png(
            width: side, height: side, channels: 3, pixels: [UInt8](repeating: 9, count: side * side * 3))
        let root = try folder(["a/1.png": large, "b/1.png": large])
        XCTAssertNoThrow(try ImageFolder.load(root, options: ImageFolder.Options()))
        setenv("LOUPE_MEMORY_BUDGET", "\(budget)", 1)
        defer { unsetenv("LOUPE_MEMORY_BUDGET") }
        XCTAssertThrowsError(try ImageFolder.load(root, options: ImageFolder.Options())) { error in
            XCTAssertEqual((error as? InputError)?.source, "a/1.png", "\(error)")
            XCTAssertTrue("\(error)".contains("over the memory budget"), "\(error)")
        }
    }

    func testDecodedCacheIsReusedAndInvalidatedByChanges() throws {
        let root = try folder(["a/1.png": rgb.bytes, "b/1.jpg": ImageFixtures.jpegBaseline.bytes])
        let options = ImageFolder.Options(cacheDirectory: try temporaryDirectory(self))
        let first = try ImageFolder.load(root, options: options)
        XCTAssertFalse(first.fromCache)
        let second = try ImageFolder.load(root, options: options)
        XCTAssertTrue(second.fromCache)
        XCTAssertEqual(second.train.images(at: [0, 1]).scalars, first.train.images(at: [0, 1]).scalars)
        XCTAssertEqual(second.train.paths, first.train.paths)
        // Another modification time, another file, other options: decoded again.
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: 1_000_000)], ofItemAtPath: root.path + "/a/1.png")
        XCTAssertFalse(try ImageFolder.load(root, options: options).fromCache)
        XCTAssertTrue(try ImageFolder.load(root, options: options).fromCache)
        try Data(grey.bytes).write(to: root.appendingPathComponent("a/2.png"))
        XCTAssertThrowsError(try ImageFolder.load(root, options: options))  // 1 channel among 3
        var grey = options
        grey.channels = 1
        XCTAssertFalse(try ImageFolder.load(root, options: grey).fromCache)
        // A damaged cache is ignored and rewritten, never an error.
        for file in try FileManager.default.contentsOfDirectory(atPath: options.cacheDirectory!.path) {
            let url = options.cacheDirectory!.appendingPathComponent(file)
            try Data(try Data(contentsOf: url).dropLast(7)).write(to: url)
        }
        XCTAssertFalse(try ImageFolder.load(root, options: grey).fromCache)
        XCTAssertTrue(try ImageFolder.load(root, options: grey).fromCache)
        // So is one whose shape field (bytes 72-83) or pixels were rewritten: the sizes may still
        // add up, but the CRC-32 no longer matches.
        let fresh = try ImageFolder.load(root, options: grey)
        let greyCache = ImageFolderCache(directory: options.cacheDirectory!, root: root, options: grey).file
        for (offset, value) in [(72, 4), (76, 1), (80, 1), (-5, 0x55)] as [(Int, UInt8)] {
            XCTAssertTrue(try ImageFolder.load(root, options: grey).fromCache)
            var bytes = [UInt8](try Data(contentsOf: greyCache))
            bytes[offset < 0 ? bytes.count + offset : offset] = value
            try Data(bytes).write(to: greyCache)
            let reloaded = try ImageFolder.load(root, options: grey)
            XCTAssertFalse(reloaded.fromCache, "byte \(offset)")
            XCTAssertEqual(reloaded.train.shape, fresh.train.shape)
            XCTAssertEqual(reloaded.train.images(at: [0, 1]).scalars, fresh.train.images(at: [0, 1]).scalars)
        }
    }
}

/// Small PNGs made in the test (stored, uncompressed deflate blocks), for sizes the fixtures lack.
enum ImageDecoderTestsData {
    static func png(width: Int, height: Int, channels: Int, pixels: [UInt8]) -> [UInt8] {
        func be(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        func chunk(_ kind: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(kind.utf8) + data
            return be(data.count) + body + be(Int(crc32(body)))
        }
        var raw: [UInt8] = []
        for y in 0..<height { raw += [0] + pixels[(y * width * channels)..<((y + 1) * width * channels)] }
        var adler = (a: 1, b: 0)
        for byte in raw {
            adler.a = (adler.a + Int(byte)) % 65521
            adler.b = (adler.b + adler.a) % 65521
        }
        let length = [UInt8(raw.count & 0xff), UInt8(raw.count >> 8)]
        let stored: [UInt8] = [0x78, 0x01, 1] + length + length.map { ~$0 } + raw + be(adler.b << 16 | adler.a)
        let header = be(width) + be(height) + [8, channels == 1 ? 0 : 2, 0, 0, 0]
        return [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] + chunk("IHDR", header) + chunk("IDAT", stored)
            + chunk("IEND", [])
    }

    /// `png` with the CRC of its first chunk after IHDR (IDAT) changed, the data intact.
    static func breakingIDATChecksum(_ png: [UInt8]) -> [UInt8] {
        var png = png
        let length = png[33..<37].reduce(0) { $0 << 8 | Int($1) }
        png[33 + 8 + length] ^= 0xff
        return png
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
