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

    /// A second writer is refused, with the holder's process id, until the first lets go.
    func testSecondWriterIsRefusedUntilTheFirstReleases() throws {
        var first: OutputFolderLock? = try OutputFolderLock(folder: directory)
        XCTAssertEqual(OutputFolderLock.holder(of: directory).held, true)
        XCTAssertEqual(OutputFolderLock.holder(of: directory).pid, getpid())
        XCTAssertThrowsError(try OutputFolderLock(folder: directory)) { error in
            XCTAssertEqual(
                error as? OutputFolderLockError,
                OutputFolderLockError(folder: directory.path, problem: .held(by: getpid())))
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix(directory.path + ": another loupe process (pid \(getpid()))"), text)
            XCTAssertFalse(text.contains("\n"))
        }
        XCTAssertNotNil(first)
        first = nil
        XCTAssertFalse(OutputFolderLock.holder(of: directory).held)
        XCTAssertNoThrow(try OutputFolderLock(folder: directory))
    }

    func testHolderOfAnUnlockedFolderCreatesNothing() throws {
        XCTAssertFalse(OutputFolderLock.holder(of: directory).held)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }
}
