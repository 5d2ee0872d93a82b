import Foundation
import LoupeSupport
import XCTest

final class AtomicFileTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "loupe-atomic-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    private func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    func testWriteCreatesAndReplaces() throws {
        let target = directory.appendingPathComponent("out.txt")
        try AtomicFile.write(Data("first".utf8), to: target)
        try AtomicFile.write(Data("second".utf8), to: target)
        XCTAssertEqual(try Data(contentsOf: target), Data("second".utf8))
        XCTAssertEqual(try entries(), ["out.txt"])
    }

    func testFailingStreamingWriterLeavesTargetAndNoTemporaryFile() throws {
        struct Interrupted: Error {}
        let target = directory.appendingPathComponent("weights.bin")
        try AtomicFile.write(Data("old".utf8), to: target)
        XCTAssertThrowsError(
            try AtomicFile.write(to: target) { temporary in
                try Data("partial new content".utf8).write(to: temporary)
                throw Interrupted()
            }
        ) { XCTAssertTrue($0 is Interrupted) }
        XCTAssertEqual(try Data(contentsOf: target), Data("old".utf8))
        XCTAssertEqual(try entries(), ["weights.bin"])
    }

    func testFailingRenameLeavesTargetAndNoTemporaryFile() throws {
        // A non-empty directory cannot be replaced by a file.
        let target = directory.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        try Data().write(to: target.appendingPathComponent("keep"))
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: target)) { error in
            XCTAssertTrue("\(error)".contains("occupied"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target.path), ["keep"])
        XCTAssertEqual(try entries(), ["occupied"])
    }

    func testWritingIntoMissingDirectoryThrows() {
        let target = directory.appendingPathComponent("absent/out.txt")
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: target))
    }
}
