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

final class AbandonedTemporaryFileTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-leftovers-\(UUID())")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("dense/000"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    /// The id of a process that has ended.
    private func deadProcessID() throws -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    func testTemporaryNamesAreRecognisedAndNothingElse() {
        XCTAssertEqual(AtomicFile.temporaryWriter(ofName: ".model.safetensors.1234.42.tmp"), 1234)
        XCTAssertEqual(AtomicFile.temporaryWriter(ofName: ".a.7.0.tmp"), 7)
        for name in [
            "model.safetensors", ".model.safetensors.tmp", "model.safetensors.1234.42.tmp", "..1234.42.tmp",
            ".x.abc.42.tmp", ".x.1234.-1.tmp", ".x.0.1.tmp", ".x.1234.42.tmpx", ".1234.42.tmp",
        ] {
            XCTAssertNil(AtomicFile.temporaryWriter(ofName: name), name)
        }
    }

    /// A writer killed between writing and renaming leaves its temporary file; it is removed,
    /// a running writer's is kept, and so is every other file.
    func testOnlyTemporaryFilesOfEndedWritersAreRemoved() throws {
        let dead = try deadProcessID()
        let files = [
            "dense/000/.model.safetensors.\(dead).17.tmp", ".summary.json.\(dead).3.tmp",
            "dense/000/.logits.npy.\(getpid()).5.tmp", "dense/000/model.safetensors", "notes.\(dead).1.tmp",
        ]
        for file in files { try Data("x".utf8).write(to: directory.appendingPathComponent(file)) }

        let removed = AtomicFile.removeAbandonedTemporaryFiles(under: directory)

        XCTAssertEqual(removed, [".summary.json.\(dead).3.tmp", "dense/000/.model.safetensors.\(dead).17.tmp"])
        for file in files {
            XCTAssertEqual(
                FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path),
                !removed.contains(file), file)
        }
    }

    /// After a power loss the writer's process id may be reused by an unrelated process:
    /// the file is still abandoned (on Linux, where `/proc` names each process's program).
    func testAWriterIdReusedByAnotherProgramDoesNotKeepTheFile() throws {
        #if os(Linux)
            let sleeper = Process()
            sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
            sleeper.arguments = ["30"]
            try sleeper.run()
            defer { sleeper.terminate() }
            let file = ".metrics.jsonl.\(sleeper.processIdentifier).4242.tmp"
            try Data("x".utf8).write(to: directory.appendingPathComponent(file))
            XCTAssertEqual(AtomicFile.removeAbandonedTemporaryFiles(under: directory), [file])
        #endif
    }
}
