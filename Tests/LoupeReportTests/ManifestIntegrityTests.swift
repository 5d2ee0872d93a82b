import Foundation
import LoupeSupport
import XCTest

@testable import LoupeReport

/// The manifest vouches for itself and for nothing outside its folder; a continued run
/// vouches for what the run it continues wrote.
final class ManifestIntegrityTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-integrity-\(UUID())")
            .appendingPathComponent("run")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        unsetenv("LOUPE_MEMORY_BUDGET")
        try FileManager.default.removeItem(at: directory.deletingLastPathComponent())
    }

    private func url(_ path: String) -> URL { directory.appendingPathComponent(path) }

    private func recorder(seed: UInt64 = 0) -> RunRecorder {
        RunRecorder(
            tool: "loupe", toolVersion: "0.1.0", configuration: ["epochs": 2], seeds: ["training": seed],
            commandLine: ["loupe", "train"], environment: [:])
    }

    @discardableResult
    private func recordRun(_ files: [String: String] = ["model.bin": "weights"]) throws -> RunManifest {
        for (name, text) in files { try Data(text.utf8).write(to: url(name)) }
        return try recorder().finish(outputs: files.keys.sorted().map(url), in: directory)
    }

    /// Writes `manifest` as `manifest.json` sealed, as a forger who recomputes the seal would.
    private func writeSealed(_ manifest: RunManifest) throws {
        try DeterministicJSON.encode(try manifest.sealed()).write(to: url(RunManifest.fileName))
    }

    private func assertVerifyFails(
        _ problem: ManifestError.Kind, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try ManifestVerifier.verify(directory: directory), file: file, line: line) { error in
            XCTAssertEqual((error as? ManifestError)?.kind, problem, "\(error)", file: file, line: line)
            XCTAssertFalse("\(error)".contains("\n"), file: file, line: line)
        }
    }

    // MARK: Seal

    func testWrittenManifestIsSealed() throws {
        let manifest = try recordRun()
        XCTAssertNotNil(manifest.contentSHA256)
        XCTAssertTrue(manifest.isSealIntact)
        XCTAssertTrue(try RunManifest(contentsOfDirectory: directory).isSealIntact)
        XCTAssertTrue(try ManifestVerifier.verify(directory: directory).isOK)
    }

    /// Editing manifest.json itself (seed 0 -> 42) is detected and reported in one line.
    func testEditedManifestIsReportedAsTampered() throws {
        try recordRun()
        let text = try String(contentsOf: url(RunManifest.fileName), encoding: .utf8)
        XCTAssertTrue(text.contains(#""training" : 0"#))
        try Data(text.replacingOccurrences(of: #""training" : 0"#, with: #""training" : 42"#).utf8)
            .write(to: url(RunManifest.fileName))
        assertVerifyFails(.tampered)
        XCTAssertTrue(
            "\(ManifestError(source: "m", kind: .tampered))".contains("edited after it was written"))
    }

    /// A re-sealed manifest whose sizes disagree with the files its hashes match is not a
    /// record of those files.
    func testARecordedSizeThatDisagreesWithTheFileIsReported() throws {
        var manifest = try recordRun()
        XCTAssertEqual(manifest.outputs[0].bytes, 7)
        for bytes in [8, -1] {
            manifest.outputs[0].bytes = bytes
            try writeSealed(manifest)
            let report = try ManifestVerifier.verify(directory: directory)
            XCTAssertFalse(report.isOK)
            XCTAssertEqual(
                report.refused, ["model.bin: the manifest records \(bytes) bytes, but the file with its hash has 7"])
        }
    }

    func testManifestWithoutContentHashIsRefused() throws {
        var manifest = try recordRun()
        manifest.contentSHA256 = nil
        try DeterministicJSON.encode(manifest).write(to: url(RunManifest.fileName))
        assertVerifyFails(.unsealed)
    }

    /// An edited earlier manifest whose chain link was forged along is caught by its own seal.
    func testEditedHistoryIsCaughtByItsSeal() throws {
        try recordRun()
        try recordRun(["model.bin": "weights 2"])
        var old = try RunManifest(contentsOf: url("manifest-1.json"))
        old.seeds["training"] = 42
        let edited = try DeterministicJSON.encode(old)
        try edited.write(to: url("manifest-1.json"))
        var current = try RunManifest(contentsOfDirectory: directory)
        current.previous = FileRecord(path: "manifest-1.json", bytes: edited.count, sha256: SHA256.hex(of: edited))
        try writeSealed(current)
        let report = try ManifestVerifier.verify(directory: directory)
        XCTAssertEqual(report.refused, ["\(ManifestError(source: "manifest-1.json", kind: .tampered))"])
    }

    // MARK: Entries

    func testEntriesLeavingTheFolderAreRefused() throws {
        let manifest = try recordRun()
        try Data("secret".utf8).write(to: directory.deletingLastPathComponent().appendingPathComponent("secret"))
        for (entry, fragment) in [
            ("../secret", "'..'"), ("checkpoints/../../secret", "'..'"), ("/etc/passwd", "absolute path"),
            ("", "is empty"),
        ] {
            var forged = manifest
            forged.outputs.append(FileRecord(path: entry, bytes: 6, sha256: SHA256.hex(of: Data("secret".utf8))))
            try writeSealed(forged)
            XCTAssertThrowsError(try ManifestVerifier.verify(directory: directory), entry) { error in
                guard case .unsafeEntry(let text) = (error as? ManifestError)?.kind else {
                    return XCTFail("\(error)")
                }
                XCTAssertTrue(text.hasPrefix((entry.isEmpty ? "''" : entry) + ": ") && text.contains(fragment), text)
            }
        }
        var forged = manifest
        forged.inputs.append(FileRecord(path: "relative/input.csv", bytes: 1, sha256: ""))
        try writeSealed(forged)
        XCTAssertThrowsError(try ManifestVerifier.verify(directory: directory)) { error in
            XCTAssertTrue("\(error)".contains("relative/input.csv: an input must be recorded by its absolute path"))
        }
    }

    /// A symbolic link inside the folder that leads out of it is not followed.
    func testSymbolicLinkOutOfTheFolderIsRefused() throws {
        let outside = directory.deletingLastPathComponent().appendingPathComponent("outside.bin")
        try Data("outside".utf8).write(to: outside)
        try FileManager.default.createSymbolicLink(at: url("link.bin"), withDestinationURL: outside)
        var manifest = try recordRun()
        manifest.outputs.append(FileRecord(path: "link.bin", bytes: 7, sha256: SHA256.hex(of: Data("outside".utf8))))
        try writeSealed(manifest)
        let report = try ManifestVerifier.verify(directory: directory)
        XCTAssertEqual(
            report.refused, ["link.bin: resolves to \(outside.resolvingSymlinksInPath().path), outside the run folder"])
        XCTAssertFalse(report.isOK)
    }

    /// The manifest itself may not be a link out of the folder: it would vouch for a folder
    /// it was never written in.
    func testAManifestLinkingOutOfTheFolderIsRefused() throws {
        try recordRun()
        let outside = directory.deletingLastPathComponent().appendingPathComponent("elsewhere.json")
        try FileManager.default.moveItem(at: url(RunManifest.fileName), to: outside)
        try FileManager.default.createSymbolicLink(at: url(RunManifest.fileName), withDestinationURL: outside)
        XCTAssertThrowsError(try ManifestVerifier.verify(directory: directory)) { error in
            guard case .corruptManifest(let reason) = (error as? ManifestError)?.kind else {
                return XCTFail("\(error)")
            }
            XCTAssertTrue(reason.contains("outside the run folder"), reason)
        }
    }

    /// Devices and FIFOs are refused without reading them (reading /dev/zero never ends, a
    /// FIFO without a writer blocks): as inputs, as outputs, and as the manifest itself.
    func testDevicesAndFIFOsAreRefusedWithoutBlocking() throws {
        var manifest = try recordRun()
        XCTAssertEqual(mkfifo(url("checkpoints/fifo").path, 0o644), 0)
        manifest.outputs.append(FileRecord(path: "checkpoints/fifo", bytes: 0, sha256: ""))
        manifest.inputs.append(FileRecord(path: "/dev/zero", bytes: 0, sha256: ""))
        try writeSealed(manifest)
        let report = try ManifestVerifier.verify(directory: directory)
        XCTAssertEqual(
            report.refused.sorted(),
            ["/dev/zero: is a character device, not a regular file", "checkpoints/fifo: is a FIFO, not a regular file"])

        try FileManager.default.removeItem(at: url(RunManifest.fileName))
        XCTAssertEqual(mkfifo(url(RunManifest.fileName).path, 0o644), 0)
        XCTAssertThrowsError(try ManifestVerifier.verify(directory: directory)) { error in
            XCTAssertEqual(
                (error as? ManifestError)?.kind, .corruptManifest(reason: "is a FIFO, not a regular file"))
        }
    }

    /// A file over the stated bound is not hashed (the bound is LOUPE_MEMORY_BUDGET).
    func testFileOverTheSizeBoundIsRefused() throws {
        try recordRun(["model.bin": String(repeating: "w", count: 4096)])
        setenv("LOUPE_MEMORY_BUDGET", "2K", 1)
        let report = try ManifestVerifier.verify(directory: directory)
        XCTAssertEqual(report.refused.count, 1)
        XCTAssertTrue(
            report.refused[0].hasPrefix("model.bin: is 4.0 KiB, over the limit of 2.0 KiB"), report.refused[0])
    }

    // MARK: Recording

    /// Temporary files of interrupted writers are never outputs.
    func testTemporaryFilesAreNeverListed() throws {
        let names = ["model.bin", ".model.bin.123.456.tmp"]
        for name in names { try Data("x".utf8).write(to: url(name)) }
        let manifest = try recorder().finish(outputs: names.map(url), in: directory)
        XCTAssertEqual(manifest.outputs.map(\.path), ["model.bin"])
    }

    /// A run interrupted after writing some outputs (an in-progress manifest) and continued by
    /// another process ends with a manifest listing every output, chained to the first.
    func testContinuedRunListsTheOutputsOfTheRunItContinues() throws {
        var first = recorder()
        try Data("epoch 1".utf8).write(to: url("checkpoints/epoch-1.bin"))
        try Data("state 1".utf8).write(to: url("state.bin"))
        try first.writeProgress(outputs: [url("checkpoints/epoch-1.bin"), url("state.bin")], in: directory)
        assertVerifyFails(.inProgress)
        let interrupted = try Data(contentsOf: url(RunManifest.fileName))

        var second = recorder()
        try second.continueRun(in: directory, rewriting: [url("state.bin")])
        try Data("epoch 2".utf8).write(to: url("checkpoints/epoch-2.bin"))
        try Data("state 2".utf8).write(to: url("state.bin"))
        try second.writeProgress(outputs: [url("state.bin"), url("checkpoints/epoch-2.bin")], in: directory)
        let manifest = try second.finish(
            outputs: [url("state.bin"), url("checkpoints/epoch-2.bin")], in: directory)

        XCTAssertEqual(
            manifest.outputs.map(\.path), ["state.bin", "checkpoints/epoch-2.bin", "checkpoints/epoch-1.bin"])
        XCTAssertNil(manifest.inProgress)
        XCTAssertEqual(
            manifest.previous,
            FileRecord(path: "manifest-1.json", bytes: interrupted.count, sha256: SHA256.hex(of: interrupted)))
        let report = try ManifestVerifier.verify(directory: directory)
        XCTAssertTrue(report.isOK, "\(report)")
    }

    /// A run interrupted twice keeps the time of every process: the last manifest's
    /// `wallSeconds` and `cpuSeconds` are the last process's, and `interruptedWallSeconds`
    /// and `interruptedCPUSeconds` sum the earlier ones' last progress manifests. The phases the
    /// earlier processes finished keep their times; a repeated phase takes the new one.
    func testContinuedRunsKeepTheInterruptedProcessesTimeAndPhases() throws {
        var first = recorder()
        first.recordPhase("epoch 1", seconds: 1.5)
        first.recordPhase("epoch 2", seconds: 9)
        try Data("state 1".utf8).write(to: url("state.bin"))
        try first.writeProgress(outputs: [url("state.bin")], in: directory)
        let firstProgress = try RunManifest(contentsOfDirectory: directory)
        XCTAssertNil(firstProgress.interruptedWallSeconds)

        var second = recorder()
        try second.continueRun(in: directory, rewriting: [url("state.bin")])
        second.recordPhase("epoch 2", seconds: 2.5)
        try Data("state 2".utf8).write(to: url("state.bin"))
        try second.writeProgress(outputs: [url("state.bin")], in: directory)
        let secondProgress = try RunManifest(contentsOfDirectory: directory)
        XCTAssertEqual(secondProgress.interruptedWallSeconds, firstProgress.wallSeconds)
        XCTAssertEqual(secondProgress.interruptedCPUSeconds, firstProgress.cpuSeconds)

        var third = recorder()
        try third.continueRun(in: directory, rewriting: [url("state.bin")])
        third.recordPhase("epoch 3", seconds: 3.5)
        try Data("state 3".utf8).write(to: url("state.bin"))
        let manifest = try third.finish(outputs: [url("state.bin")], in: directory)
        XCTAssertEqual(manifest.interruptedWallSeconds, firstProgress.wallSeconds + secondProgress.wallSeconds)
        XCTAssertEqual(manifest.interruptedCPUSeconds, firstProgress.cpuSeconds + secondProgress.cpuSeconds)
        XCTAssertGreaterThan(manifest.interruptedWallSeconds ?? 0, 0)
        XCTAssertEqual(manifest.phaseSeconds, ["epoch 1": 1.5, "epoch 2": 2.5, "epoch 3": 3.5])
        XCTAssertTrue(try ManifestVerifier.verify(directory: directory).isOK)

        // A run over a finished one starts afresh: nothing was interrupted.
        var fourth = recorder()
        try fourth.continueRun(in: directory, rewriting: [url("state.bin")])
        let rewritten = try fourth.finish(outputs: [url("state.bin")], in: directory)
        XCTAssertNil(rewritten.interruptedWallSeconds)
        XCTAssertNil(rewritten.phaseSeconds)
    }

    /// Progress manifests reuse the hashes of unchanged files but see every replaced one.
    func testProgressManifestsSeeReplacedFiles() throws {
        var run = recorder()
        try AtomicFile.write(Data("state 1".utf8), to: url("state.bin"))
        try run.writeProgress(outputs: [url("state.bin")], in: directory)
        try AtomicFile.write(Data("state 2".utf8), to: url("state.bin"))
        try run.writeProgress(outputs: [url("state.bin")], in: directory)
        XCTAssertEqual(
            try RunManifest(contentsOfDirectory: directory).outputs.first?.sha256,
            SHA256.hex(of: Data("state 2".utf8)))
        XCTAssertEqual(
            try run.finish(outputs: [url("state.bin")], in: directory).outputs.first?.sha256,
            SHA256.hex(of: Data("state 2".utf8)))
    }

    /// An earlier output that changed after it was recorded is not vouched for: the
    /// continuing run stops before it starts, naming the file.
    func testContinuedRunRefusesAChangedEarlierOutput() throws {
        var first = recorder()
        try Data("epoch 1".utf8).write(to: url("checkpoints/epoch-1.bin"))
        try first.writeProgress(outputs: [url("checkpoints/epoch-1.bin")], in: directory)
        try Data("edited".utf8).write(to: url("checkpoints/epoch-1.bin"))
        var second = recorder()
        XCTAssertThrowsError(try second.continueRun(in: directory)) { error in
            XCTAssertEqual(
                error as? ManifestError,
                ManifestError(
                    source: url("checkpoints/epoch-1.bin").path,
                    kind: .changedSinceRecorded(manifest: "the manifest of the run it continues")))
        }
        // An edited in-progress manifest is not continued either.
        try Data("epoch 1".utf8).write(to: url("checkpoints/epoch-1.bin"))
        var text = try String(contentsOf: url(RunManifest.fileName), encoding: .utf8)
        text = text.replacingOccurrences(of: #""training" : 0"#, with: #""training" : 42"#)
        try Data(text.utf8).write(to: url(RunManifest.fileName))
        XCTAssertThrowsError(try second.continueRun(in: directory)) { error in
            XCTAssertEqual((error as? ManifestError)?.kind, .tampered)
        }
    }

    // MARK: Rerun recipe

    /// The recipe is run only if it is the one its command line gives, of a command that
    /// writes a run folder, to one output folder: a re-sealed manifest whose recipe ran
    /// `verify --rerun` on itself recursed without end.
    func testARecipeIsRunOnlyAsTheCommandLineGivesIt() {
        let line = ["/bin/loupe", "train", "--out", "runs/a", "--seed", "5"]
        var recipe = RerunRecipe(commandLine: line, threads: 2, workingDirectory: "/w")
        XCTAssertNil(recipe.problem(commandLine: line, threads: 2))
        XCTAssertEqual(recipe.problem(commandLine: line, threads: 3), "does not match the recorded command line")
        recipe.arguments += ["--out", "/tmp/victim"]
        XCTAssertEqual(recipe.problem(commandLine: line, threads: 2), "does not match the recorded command line")
        let itself = ["loupe", "verify", "--rerun", "runs/a"]
        XCTAssertEqual(
            RerunRecipe(commandLine: itself, threads: 1, workingDirectory: "/w").problem(
                commandLine: itself, threads: 1),
            "runs 'verify', not a command that writes a run folder")
        let twice = ["loupe", "audit", "--out", "a", "--out=b"]
        XCTAssertEqual(
            RerunRecipe(commandLine: twice, threads: 1, workingDirectory: "/w").problem(commandLine: twice, threads: 1),
            "must write to one output folder, the one the rerun chooses")
    }

    func testRerunRecipeReplacesTheOutputAndStatesTheThreads() {
        XCTAssertEqual(
            RerunRecipe(
                commandLine: ["/bin/loupe", "train", "--out", "runs/a", "--seed", "5"], threads: 2,
                workingDirectory: "/w"
            ).arguments, ["train", "--out", "{out}", "--seed", "5", "--threads", "2"])
        XCTAssertEqual(
            RerunRecipe(
                commandLine: ["loupe", "train", "--out=runs/a", "--threads", "3"], threads: 3, workingDirectory: "/w"
            )
            .arguments, ["train", "--out", "{out}", "--threads", "3"])
        let defaulted = RerunRecipe(commandLine: ["loupe", "benchmark", "roar"], threads: 1, workingDirectory: "/w")
        XCTAssertEqual(defaulted.arguments, ["benchmark", "roar", "--out", "{out}", "--threads", "1"])
        XCTAssertEqual(
            defaulted.arguments(output: "/tmp/x"), ["benchmark", "roar", "--out", "/tmp/x", "--threads", "1"])
    }

    /// A run its shard tasks made is re-run on one machine: the sharding options are dropped.
    func testRerunRecipeDropsTheShardingOptions() {
        XCTAssertEqual(
            RerunRecipe(
                commandLine: ["loupe", "audit", "--shard", "1/4", "--members", "3", "--shards=4", "--collect"],
                threads: 1, workingDirectory: "/w"
            ).arguments, ["audit", "--members", "3", "--out", "{out}", "--threads", "1"])
        XCTAssertEqual(
            RerunRecipe(
                commandLine: ["loupe", "audit", "--shards", "4", "--shard=0/4"], threads: 2, workingDirectory: "/w"
            )
            .arguments, ["audit", "--out", "{out}", "--threads", "2"])
    }

    /// Entries and reasons come from the manifest: they are shown escaped, on one line.
    func testManifestErrorsEscapeWhatTheyQuote() {
        XCTAssertEqual(
            ManifestError(source: "m.json", kind: .unsafeEntry("a\nb: is an absolute path")).description,
            "m.json: entry a\\nb: is an absolute path")
        XCTAssertEqual(
            RunFolderFile.Refusal(source: "x\u{1B}]0;t\u{7}", kind: .missing).description,
            "x\\x1b]0;t\\x07: does not exist")
    }
}
