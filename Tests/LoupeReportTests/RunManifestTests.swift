import Foundation
import LoupeSupport
import XCTest

@testable import LoupeReport

final class RunManifestTests: XCTestCase {
    private var directory: URL!
    private var inputDirectory: URL!

    override func setUpWithError() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "loupe-manifest-\(UUID())")
        directory = root.appendingPathComponent("out")
        inputDirectory = root.appendingPathComponent("in")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("maps"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: inputDirectory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory.deletingLastPathComponent())
    }

    private func url(_ path: String) -> URL { directory.appendingPathComponent(path) }

    /// Records a run with one input outside and two outputs inside the directory.
    @discardableResult
    private func recordRun(seed: UInt64 = 42) throws -> RunManifest {
        let input = inputDirectory.appendingPathComponent("model.bin")
        try Data("model weights".utf8).write(to: input)
        var recorder = RunRecorder(
            tool: "loupe", toolVersion: "0.1.0", configuration: ["method": "saliency", "steps": 50],
            seeds: ["data": seed, "init": 1 << 63 + 1], threadCount: 2,
            commandLine: ["loupe", "explain", "--steps", "50"],
            environment: ["LOUPE_GIT_COMMIT": "abc123"])
        try recorder.recordInput(input)
        recorder.recordFLOPs([LayerFLOPs(layer: "fc1", forward: 200, backward: 400)])
        try Data("report".utf8).write(to: url("report.txt"))
        try Data([1, 2, 3]).write(to: url("maps/0.bin"))
        return try recorder.finish(outputs: [url("report.txt"), url("maps/0.bin")], in: directory)
    }

    func testRecordsTheRunAndRoundTrips() throws {
        let manifest = try recordRun()
        XCTAssertEqual(manifest.gitCommit, "abc123")
        XCTAssertEqual(manifest.commandLine, ["loupe", "explain", "--steps", "50"])
        XCTAssertEqual(manifest.seeds["init"], 1 << 63 + 1)
        XCTAssertEqual(
            manifest.outputs,
            [
                FileRecord(path: "report.txt", bytes: 6, sha256: SHA256.hex(of: Data("report".utf8))),
                FileRecord(path: "maps/0.bin", bytes: 3, sha256: SHA256.hex(of: Data([1, 2, 3]))),
            ])
        XCTAssertEqual(manifest.inputs.first?.bytes, 13)
        XCTAssertTrue(manifest.inputs.first?.path.hasPrefix("/") ?? false)
        XCTAssertEqual(manifest.flops, [LayerFLOPs(layer: "fc1", forward: 200, backward: 400)])
        XCTAssertGreaterThan(manifest.peakMemoryBytes, 0)
        XCTAssertGreaterThanOrEqual(manifest.wallSeconds, 0)
        XCTAssertLessThanOrEqual(manifest.startedAt, manifest.endedAt)
        XCTAssertEqual(manifest.host.coreCount, ProcessInfo.processInfo.activeProcessorCount)
        XCTAssertNil(manifest.previous)

        let data = try Data(contentsOf: url("manifest.json"))
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertNotNil(
            text.range(
                of: #""startedAt" : "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ""#, options: .regularExpression), text)
        let reread = try RunManifest(contentsOfDirectory: directory)
        XCTAssertEqual(reread.seeds, manifest.seeds)
        XCTAssertEqual(reread.configuration, ["method": "saliency", "steps": 50])
        XCTAssertEqual(try DeterministicJSON.encode(reread), data)
    }

    func testMissingGitCommitIsNil() throws {
        let recorder = RunRecorder(tool: "loupe", toolVersion: "0", environment: [:])
        XCTAssertNil(try recorder.finish(outputs: [], in: directory).gitCommit)
    }

    func testOutputOutsideDirectoryIsRejected() throws {
        let recorder = RunRecorder(tool: "loupe", toolVersion: "0")
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("elsewhere.txt")
        XCTAssertThrowsError(try recorder.finish(outputs: [outside], in: directory)) { error in
            XCTAssertEqual(
                (error as? ManifestError)?.kind,
                .outputOutsideDirectory(directory: directory.standardizedFileURL.path))
        }
    }

    func testCPUModelIsParsedFromCPUInfo() {
        let sample =
            "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\nmodel name\t: other\n"
        XCTAssertEqual(HostDescription.cpuModel(fromCPUInfo: sample), "Intel(R) Xeon(R) CPU @ 2.20GHz")
        XCTAssertNil(HostDescription.cpuModel(fromCPUInfo: "processor : 0\n"))
    }

    // MARK: Verification

    func testUntouchedDirectoryVerifies() throws {
        try recordRun()
        let report = try ManifestVerifier.verify(directory: directory)
        XCTAssertTrue(report.isOK, "\(report)")
        XCTAssertEqual(report.verified.count, 3)  // two outputs and the input
    }

    func testModifiedDeletedAndExtraFilesAreReported() throws {
        let manifest = try recordRun()
        try Data("edited".utf8).write(to: url("report.txt"))
        try FileManager.default.removeItem(at: url("maps/0.bin"))
        try FileManager.default.removeItem(at: inputDirectory.appendingPathComponent("model.bin"))
        try Data().write(to: url("maps/extra.bin"))

        let report = try ManifestVerifier.verify(directory: directory)
        XCTAssertFalse(report.isOK)
        XCTAssertEqual(
            report.changed,
            [
                .init(
                    path: "report.txt", expectedSHA256: manifest.outputs[0].sha256,
                    actualSHA256: SHA256.hex(of: Data("edited".utf8)))
            ])
        XCTAssertEqual(
            report.missing, ["maps/0.bin", inputDirectory.appendingPathComponent("model.bin").path])
        XCTAssertEqual(report.unlisted, ["maps/extra.bin"])
    }

    /// `loupe review DIR` keeps its verdict database in DIR: it is reported apart and does not
    /// fail verification, while a file that only takes its name stays unlisted.
    func testTheReviewDatabaseIsReportedApartAndDoesNotFail() throws {
        try recordRun()
        let sqliteHeader = Data("SQLite format 3\u{0}".utf8) + Data(count: 84)
        try sqliteHeader.write(to: url("review.sqlite"))
        try Data([0x37, 0x7F, 0x06, 0x82, 0, 0x2D, 0xE2, 0x18]).write(to: url("review.sqlite-wal"))
        try Data(count: 32768).write(to: url("review.sqlite-shm"))
        var report = try ManifestVerifier.verify(directory: directory)
        XCTAssertTrue(report.isOK, "\(report)")
        XCTAssertEqual(report.reviewFiles, ["review.sqlite", "review.sqlite-shm", "review.sqlite-wal"])
        XCTAssertEqual(report.unlisted, [])

        // A checkpointed WAL is empty; a WAL with other content is not SQLite's.
        try Data().write(to: url("review.sqlite-wal"))
        XCTAssertEqual(try ManifestVerifier.verify(directory: directory).reviewFiles.count, 3)
        try Data("not a log".utf8).write(to: url("review.sqlite-wal"))
        report = try ManifestVerifier.verify(directory: directory)
        XCTAssertFalse(report.isOK)
        XCTAssertEqual(report.unlisted, ["review.sqlite-wal"])

        // The name alone is not enough: other content, or a database in a subfolder.
        try FileManager.default.removeItem(at: url("review.sqlite-wal"))
        try sqliteHeader.write(to: url("maps/review.sqlite"))
        try Data("#!/bin/sh\n".utf8).write(to: url("review.sqlite"))
        report = try ManifestVerifier.verify(directory: directory)
        XCTAssertFalse(report.isOK)
        XCTAssertEqual(report.reviewFiles, [])
        XCTAssertEqual(report.unlisted, ["maps/review.sqlite", "review.sqlite", "review.sqlite-shm"])
    }

    func testCorruptOrMissingManifestIsAClearError() throws {
        XCTAssertThrowsError(try ManifestVerifier.verify(directory: directory)) { error in
            XCTAssertEqual((error as? ManifestError)?.kind, .missingManifest)
        }
        try recordRun()
        var data = try Data(contentsOf: url("manifest.json"))
        data.removeLast(20)
        try data.write(to: url("manifest.json"))
        XCTAssertThrowsError(try ManifestVerifier.verify(directory: directory)) { error in
            guard let error = error as? ManifestError, case .corruptManifest = error.kind else {
                return XCTFail("\(error)")
            }
            XCTAssertTrue(
                error.description.hasPrefix(self.url("manifest.json").path + ": corrupt manifest: "),
                error.description)
            XCTAssertFalse(error.description.contains("\n"))
        }
        // Valid JSON that is not a manifest.
        try Data(#"{"tool": "loupe"}"#.utf8).write(to: url("manifest.json"))
        XCTAssertThrowsError(try ManifestVerifier.verify(directory: directory)) { error in
            guard case .corruptManifest(let reason) = (error as? ManifestError)?.kind else {
                return XCTFail("\(error)")
            }
            XCTAssertTrue(reason.contains("missing field"), reason)
        }
    }

    func testRewritingChainsToThePreviousManifest() throws {
        try recordRun(seed: 1)
        let first = try Data(contentsOf: url("manifest.json"))
        let second = try recordRun(seed: 2)
        XCTAssertEqual(try Data(contentsOf: url("manifest-1.json")), first)
        XCTAssertEqual(
            second.previous,
            FileRecord(path: "manifest-1.json", bytes: first.count, sha256: SHA256.hex(of: first)))
        let secondData = try Data(contentsOf: url("manifest.json"))
        let third = try recordRun(seed: 3)
        XCTAssertEqual(third.previous?.path, "manifest-2.json")
        XCTAssertEqual(try Data(contentsOf: url("manifest-2.json")), secondData)

        var report = try ManifestVerifier.verify(directory: directory)
        XCTAssertTrue(report.isOK, "\(report)")
        XCTAssertTrue(report.verified.contains("manifest-1.json"))
        XCTAssertTrue(report.verified.contains("manifest-2.json"))

        // Editing history, even two links back, is detected.
        var history = try Data(contentsOf: url("manifest-1.json"))
        history[history.count / 2] ^= 1
        try history.write(to: url("manifest-1.json"))
        report = try ManifestVerifier.verify(directory: directory)
        XCTAssertEqual(report.changed.map(\.path), ["manifest-1.json"])
    }

    /// A run killed between archiving the manifest and replacing it leaves an archive equal
    /// to the manifest: the next run links to that archive instead of leaving it unlisted.
    func testAnArchiveLeftByAnInterruptedRewriteIsTheLink() throws {
        try recordRun(seed: 1)
        let first = try Data(contentsOf: url("manifest.json"))
        try first.write(to: url("manifest-1.json"))  // the archive, then the kill
        let second = try recordRun(seed: 2)
        XCTAssertEqual(
            second.previous,
            FileRecord(path: "manifest-1.json", bytes: first.count, sha256: SHA256.hex(of: first)))
        XCTAssertFalse(FileManager.default.fileExists(atPath: url("manifest-2.json").path))
        let report = try ManifestVerifier.verify(directory: directory)
        XCTAssertTrue(report.isOK, "\(report)")
        XCTAssertTrue(report.unlisted.isEmpty, "\(report.unlisted)")
    }
}
