import Foundation
import XCTest

@testable import LoupeSupport

final class InputFileTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func assertFileError(
        _ body: () throws -> some Any, _ expected: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual((error as? InputError)?.description, expected, file: file, line: line)
        }
    }

    func testReadsARegularFile() throws {
        let url = directory.appendingPathComponent("a.bin")
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(bytes).write(to: url)
        XCTAssertEqual(try InputFile.read(url), bytes)
        try Data().write(to: url)
        XCTAssertEqual(try InputFile.read(url), [])
    }

    /// A FIFO without a writer would block a plain open or read; it is refused at once.
    func testFIFOIsRefusedWithoutBlocking() throws {
        let url = directory.appendingPathComponent("pipe.csv")
        XCTAssertEqual(mkfifo(url.path, 0o600), 0)
        assertFileError({ try InputFile.read(url) }, "pipe.csv: not a regular file (a FIFO)")
    }

    func testDevicesDirectoriesAndMissingFilesAreNamed() {
        assertFileError(
            { try InputFile.read(URL(fileURLWithPath: "/dev/zero")) }, "zero: not a regular file (a character device)")
        assertFileError({ try InputFile.read(directory, name: "data") }, "data: not a regular file (a directory)")
        assertFileError(
            { try InputFile.read(directory.appendingPathComponent("absent.csv")) },
            "absent.csv: No such file or directory")
    }

    func testFileOverTheBudgetIsRefusedBeforeReading() throws {
        let url = directory.appendingPathComponent("big.npy")
        try Data(count: 2048).write(to: url)
        assertFileError(
            { try InputFile.read(url, budget: MemoryBudget(bytes: 1024)) },
            "big.npy: file of 2.0 KiB is over the memory budget of 1.0 KiB (set LOUPE_MEMORY_BUDGET to raise it)")
        XCTAssertEqual(try InputFile.read(url, budget: MemoryBudget(bytes: 2048)).count, 2048)
    }

    func testReadTextDropsAUTF8ByteOrderMarkAndRefusesUTF16() throws {
        let url = directory.appendingPathComponent("t.csv")
        try Data([0xEF, 0xBB, 0xBF] + Array("id,label\n".utf8)).write(to: url)
        XCTAssertEqual(try InputFile.readText(url), "id,label\n")
        try Data([0xFE, 0xFF, 0, 0x41]).write(to: url)
        assertFileError({ try InputFile.readText(url) }, "t.csv: text is UTF-16 (byte-order mark); save it as UTF-8")
    }
}
