import Foundation
import LoupeSupport
import XCTest

final class OutputFolderLockTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-lock-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    /// A second writer is refused until the first lets go; the lock adds no file to the folder.
    func testSecondWriterIsRefusedUntilTheFirstReleases() throws {
        var first: OutputFolderLock? = try OutputFolderLock(folder: directory)
        XCTAssertTrue(OutputFolderLock.isHeld(directory))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
        XCTAssertThrowsError(try OutputFolderLock(folder: directory)) { error in
            XCTAssertEqual(
                error as? OutputFolderLockError, OutputFolderLockError(source: directory.path, kind: .held))
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix(directory.path + ": another loupe process is writing"), text)
            XCTAssertFalse(text.contains("\n"))
        }
        XCTAssertNotNil(first)
        first = nil
        XCTAssertFalse(OutputFolderLock.isHeld(directory))
        XCTAssertNoThrow(try OutputFolderLock(folder: directory))
    }

    func testCheckingAnUnlockedFolderCreatesNothing() throws {
        XCTAssertFalse(OutputFolderLock.isHeld(directory))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }

    /// Shard tasks share the folder; a run that is not a shard task excludes them and is
    /// excluded by them.
    func testSharedLocksCoexistAndExcludeAnExclusiveOne() throws {
        var first: OutputFolderLock? = try OutputFolderLock(folder: directory, shared: true)
        var second: OutputFolderLock? = try OutputFolderLock(folder: directory, shared: true)
        XCTAssertTrue(first!.isShared && second!.isShared)
        XCTAssertTrue(OutputFolderLock.isHeld(directory))
        XCTAssertThrowsError(try OutputFolderLock(folder: directory)) { error in
            XCTAssertEqual((error as? OutputFolderLockError)?.kind, .held)
        }
        first = nil
        XCTAssertTrue(OutputFolderLock.isHeld(directory), "by the other shard task")
        second = nil
        XCTAssertFalse(OutputFolderLock.isHeld(directory))
        let exclusive = try OutputFolderLock(folder: directory)
        XCTAssertThrowsError(try OutputFolderLock(folder: directory, shared: true)) { error in
            XCTAssertEqual((error as? OutputFolderLockError)?.kind, .heldExclusively)
            XCTAssertTrue("\(error)".contains("not a shard task"), "\(error)")
        }
        withExtendedLifetime(exclusive) {}
    }
}
