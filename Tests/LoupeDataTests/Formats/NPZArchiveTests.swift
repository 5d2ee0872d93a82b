import LoupeSupport
import XCTest

@testable import LoupeData

/// A zip archive of stored (uncompressed) members, built by hand.
func storedZip(_ members: [(name: String, bytes: [UInt8])]) -> [UInt8] {
    func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xff), UInt8(value >> 8 & 0xff)] }
    func le32(_ value: Int) -> [UInt8] { le16(value & 0xffff) + le16(value >> 16 & 0xffff) }
    var archive: [UInt8] = []
    var directory: [UInt8] = []
    for member in members {
        let crc = Int(Gzip.crc32(member.bytes[...]))
        let name = Array(member.name.utf8)
        let common =
            le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc) + le32(member.bytes.count)
            + le32(member.bytes.count) + le16(name.count) + le16(0)
        directory +=
            le32(0x0201_4b50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le32(0)
            + le32(archive.count) + name
        archive += le32(0x0403_4b50) + common + name + member.bytes
    }
    return archive + directory + le32(0x0605_4b50) + le16(0) + le16(0) + le16(members.count)
        + le16(members.count) + le32(directory.count) + le32(archive.count) + le16(0)
}

final class NPZArchiveTests: XCTestCase {
    let images = NPYArray(shape: [2, 2, 2], elements: .uint8([0, 1, 2, 3, 4, 5, 6, 7]))
    let labels = NPYArray(shape: [2], elements: .int64([1, 0]))

    func testReadsStoredMembers() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("d.npz")
        try Data(storedZip([("x.npy", NPYFile.encode(images)), ("y.npy", NPYFile.encode(labels))]))
            .write(to: url)
        XCTAssertEqual(try NPZArchive.read(url), ["x": images, "y": labels])
    }

    func testCorruptMemberAndNonZipThrow() throws {
        let directory = try temporaryDirectory(self)
        var archive = storedZip([("x.npy", NPYFile.encode(images))])
        archive[40] ^= 0xff  // inside the member's data
        let corrupt = directory.appendingPathComponent("corrupt.npz")
        try Data(archive).write(to: corrupt)
        assertInputError(
            try NPZArchive.read(corrupt), file: "corrupt.npz",
            problem: "member x.npy: size or CRC-32 mismatch")

        let notZip = directory.appendingPathComponent("plain.npz")
        try Data(repeating: 7, count: 100).write(to: notZip)
        assertInputError(try NPZArchive.read(notZip), file: "plain.npz", problem: "not a zip archive")
    }

    func testReadsNumPyCompressedAndUncompressedArchives() throws {
        let directory = try temporaryDirectory(self)
        try runPythonWithNumpy(
            """
            import numpy as np, os
            os.chdir('\(directory.path)')
            x = (np.arange(2 * 5 * 5) % 256).astype(np.uint8).reshape(2, 5, 5)
            y = np.array([3, 1], dtype=np.int64)
            np.savez('plain.npz', x=x, y=y)
            np.savez_compressed('packed.npz', images=x.astype(np.float32) / 4, labels=y)
            """)
        let plain = try NPZArchive.read(directory.appendingPathComponent("plain.npz"))
        XCTAssertEqual(
            plain["x"], NPYArray(shape: [2, 5, 5], elements: .uint8((0..<50).map(UInt8.init))))
        XCTAssertEqual(plain["y"], NPYArray(shape: [2], elements: .int64([3, 1])))
        let packed = try NPZArchive.read(directory.appendingPathComponent("packed.npz"))
        XCTAssertEqual(
            packed["images"],
            NPYArray(shape: [2, 5, 5], elements: .float32((0..<50).map { Float($0) / 4 })))
        XCTAssertEqual(packed["labels"], NPYArray(shape: [2], elements: .int64([3, 1])))
    }

    func testAnEncryptedMemberIsRefused() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("locked.npz")
        let member = NPYFile.encode(images)
        var archive = storedZip([("x.npy", member)])
        archive[30 + 5 + member.count + 8] |= 1  // the central directory entry's flags: encrypted
        try Data(archive).write(to: url)
        assertInputError(try NPZArchive(contentsOf: url), file: "locked.npz", problem: "member x.npy is encrypted")
    }

    func testTwoMembersOfOneNameAreRefused() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("twice.npz")
        try Data(storedZip([("x.npy", NPYFile.encode(images)), ("x.npy", NPYFile.encode(labels))])).write(to: url)
        assertInputError(
            try NPZArchive(contentsOf: url), file: "twice.npz", problem: "member x.npy appears twice")
    }

    /// The budget covers the members decoded from one archive together, not each alone: three
    /// 400 KB members pass a 1 MB budget one at a time but not all three.
    func testDecodedMembersShareOneBudget() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("many.npz")
        let large = NPYFile.encode(NPYArray(shape: [400_000], elements: .uint8(Array(repeating: 1, count: 400_000))))
        try Data(storedZip([("a.npy", large), ("b.npy", large), ("c.npy", large)])).write(to: url)
        let budget = MemoryBudget(bytes: 1_000_000)
        var archive = try NPZArchive(contentsOf: url, budget: budget)
        XCTAssertEqual(archive.arrayNames, ["a", "b", "c"])
        XCTAssertNotNil(try archive.array("a"))
        XCTAssertNotNil(try archive.array("b"))
        assertInputError(
            try archive.array("c"), file: "many.npz (c.npy)",
            problem: "claims 390.8 KiB after 781.5 KiB of other members, over the memory budget of 976.6 KiB")
        assertInputError(
            try NPZArchive.read(url, budget: budget), file: "many.npz (c.npy)", problem: "over the memory budget")
        var fresh = try NPZArchive(contentsOf: url, budget: budget)
        XCTAssertNotNil(try fresh.array("c"))
    }

    /// Loading a dataset decodes the arrays it uses only: a corrupt member beside them does
    /// not matter, and is not inflated.
    func testMembersNobodyAsksForAreNotDecoded() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("extra.npz")
        let four = NPYArray(shape: [4, 1, 2], elements: .uint8([0, 1, 2, 3, 4, 5, 6, 7]))
        let fourLabels = NPYArray(shape: [4], elements: .int64([0, 1, 0, 1]))
        let (x, y) = (NPYFile.encode(four), NPYFile.encode(fourLabels))
        var archive = storedZip([("x.npy", x), ("y.npy", y), ("junk.npy", x)])
        // Stored members follow one another as a 30-byte local header, the name, the data.
        let junkStart = (30 + 5 + x.count) + (30 + 5 + y.count) + 30 + 8
        archive[junkStart + x.count - 1] ^= 0xff
        try Data(archive).write(to: url)
        assertInputError(
            try NPZArchive.read(url), file: "extra.npz", problem: "member junk.npy: size or CRC-32 mismatch")
        var opened = try NPZArchive(contentsOf: url)
        XCTAssertEqual(try opened.array("x"), four)
        XCTAssertEqual(try opened.array("y"), fourLabels)
        XCTAssertEqual(opened.decodedBytes, x.count + y.count)
        let loaded = try DatasetLoader.load(url.path, options: .init(testFraction: 0.5))
        XCTAssertEqual([loaded.train.count, loaded.test.count], [2, 2])
    }
}
