import Foundation
import XCTest

/// The audit trail does not lie: resumed runs, killed writers, concurrent writers, edited
/// manifests, and `verify --rerun`.
final class AuditTrailTests: CLITestCase {
    /// Starts `loupe` with `arguments` and returns once it has printed a line starting with
    /// `marker` (the process keeps running; its output is still being collected).
    private func start(_ arguments: [String], until marker: String) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = workDirectory
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = ""
        while !seen.split(separator: "\n").contains(where: { $0.hasPrefix(marker) }) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        return (process, out)
    }

    private func manifest(_ run: String) throws -> [String: Any] {
        let data = try Data(contentsOf: workDirectory.appendingPathComponent("\(run)/manifest.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    private func outputPaths(_ run: String) throws -> [String] {
        ((try manifest(run)["outputs"] as? [[String: Any]]) ?? []).compactMap { $0["path"] as? String }
    }

    /// A training run killed mid-way and resumed verifies: the resumed run's manifest lists the
    /// checkpoints the killed process wrote (carried from its in-progress manifest, to which it
    /// chains), not only its own.
    func testKilledAndResumedTrainingRunVerifies() throws {
        let arguments = [
            "train", "--model", "mlp", "--hidden", "128", "--epochs", "12", "--checkpoint-every", "1", "--out", "k",
        ]
        let (process, _) = try start(arguments, until: "epoch 1/")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "the run ended before it could be interrupted")
        let interrupted = try loupe("verify", "k")
        assertFailsCleanly(interrupted, mentioning: ["k/manifest.json", "did not finish"])

        let resumed = try loupe(arguments: arguments + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("resuming from epoch"), resumed.stdout)
        let verified = try loupe("verify", "k")
        XCTAssertEqual(verified.status, 0, verified.stdout + verified.stderr)
        let outputs = try outputPaths("k")
        for epoch in 1...12 {
            XCTAssertTrue(outputs.contains(String(format: "checkpoints/epoch-%06d.safetensors", epoch)), "\(outputs)")
        }
        let record = try manifest("k")
        XCTAssertEqual((record["previous"] as? [String: Any])?["path"] as? String, "manifest-1.json")
        // The killed process's time is kept beside the resumed one's, and so are its epochs.
        XCTAssertGreaterThan(record["interruptedWallSeconds"] as? Double ?? 0, 0, "\(record)")
        XCTAssertEqual((record["phaseSeconds"] as? [String: Double])?.count, 12, "\(record)")
    }

    /// A checkpoint of the interrupted run edited before the resume is not vouched for.
    func testResumeRefusesAnEditedEarlierCheckpoint() throws {
        let arguments = [
            "train", "--model", "mlp", "--hidden", "128", "--epochs", "12", "--checkpoint-every", "1", "--out", "k",
        ]
        let (process, _) = try start(arguments, until: "epoch 1/")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let checkpoint = workDirectory.appendingPathComponent("k/checkpoints/epoch-000001.safetensors")
        var data = try Data(contentsOf: checkpoint)
        data[data.count - 1] ^= 1
        try data.write(to: checkpoint)
        let resumed = try loupe(arguments: arguments + ["--resume"])
        assertFailsCleanly(resumed, mentioning: ["epoch-000001.safetensors", "changed since"])
    }

    /// A writer killed between writing and renaming leaves `.<name>.<pid>.<n>.tmp` in a member
    /// folder; the re-run removes it, never lists it, and the folder verifies.
    func testTemporaryLeftoversOfAKilledWriterAreRemovedAndNotListed() throws {
        let arguments = [
            "population", "--model", "mlp", "--hidden", "16", "--epochs", "1", "--members", "1", "--variants",
            "dense", "--threads", "1", "--out", "p",
        ]
        XCTAssertEqual(try loupe(arguments: arguments).status, 0)
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let leftover = "dense/000/.model.safetensors.\(ended.processIdentifier).12345.tmp"
        _ = try write(Data("partial".utf8), to: "p/" + leftover)

        let rerun = try loupe(arguments: arguments)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertTrue(rerun.stdout.contains("removed \(leftover)"), rerun.stdout)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("p/" + leftover).path))
        XCTAssertFalse(try outputPaths("p").contains { $0.hasSuffix(".tmp") })
        let verified = try loupe("verify", "p")
        XCTAssertEqual(verified.status, 0, verified.stdout)
    }

    /// Two writers into one folder: the second is refused with the first's pid, `verify`
    /// waits for the writer, and the folder verifies once the first has finished.
    func testSecondWriterIntoTheSameFolderIsRefused() throws {
        let (first, _) = try start(
            ["train", "--model", "mlp", "--hidden", "128", "--epochs", "6", "--seed", "0", "--out", "shared"],
            until: "training ")
        // Paused, the first writer holds the folder for as long as the test needs.
        kill(first.processIdentifier, SIGSTOP)
        defer {
            kill(first.processIdentifier, SIGCONT)
            first.waitUntilExit()
        }
        XCTAssertTrue(first.isRunning, "the first run ended before the second started")
        let second = try loupe(
            "train", "--model", "mlp", "--hidden", "16", "--epochs", "1", "--seed", "42", "--out", "shared")
        assertFailsCleanly(second, mentioning: ["shared", "another loupe process", "writing into"])
        assertFailsCleanly(try loupe("verify", "shared"), mentioning: ["shared/manifest.json", "writing into"])

        kill(first.processIdentifier, SIGCONT)
        first.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0)
        let verified = try loupe("verify", "shared")
        XCTAssertEqual(verified.status, 0, verified.stdout + verified.stderr)
        XCTAssertEqual((try manifest("shared")["seeds"] as? [String: Any])?["training"] as? Int, 0)
    }

    /// Editing manifest.json itself is reported in one line.
    func testEditedManifestIsReported() throws {
        XCTAssertEqual(try loupe("train", "--model", "mlp", "--hidden", "16", "--epochs", "1", "--out", "a").status, 0)
        let url = workDirectory.appendingPathComponent("a/manifest.json")
        let text = try String(contentsOf: url, encoding: .utf8)
        try Data(text.replacingOccurrences(of: #""training" : 0"#, with: #""training" : 42"#).utf8).write(to: url)
        assertFailsCleanly(try loupe("verify", "a"), mentioning: ["a/manifest.json", "edited after it was written"])
    }

    /// A folder that does not match its manifest lists each problem, then ends in one error
    /// line naming the folder and the counts (it ended in an empty line).
    func testAMismatchEndsInOneErrorLine() throws {
        XCTAssertEqual(try loupe("train", "--model", "mlp", "--hidden", "16", "--epochs", "1", "--out", "a").status, 0)
        try Data("x".utf8).write(to: workDirectory.appendingPathComponent("a/notes.txt"))
        let result = try loupe("verify", "a")
        XCTAssertTrue(result.stdout.contains("unlisted notes.txt"), result.stdout)
        assertFailsCleanly(result, mentioning: ["a: does not match its manifest.json", "1 unlisted"])
        XCTAssertEqual(result.stderr.split(separator: "\n", omittingEmptySubsequences: false).count, 2, result.stderr)
    }

    /// A manifest.json that is a FIFO fails at once instead of blocking.
    func testManifestThatIsAFIFOFailsWithoutBlocking() throws {
        try FileManager.default.createDirectory(
            at: workDirectory.appendingPathComponent("f"), withIntermediateDirectories: true)
        XCTAssertEqual(mkfifo(workDirectory.appendingPathComponent("f/manifest.json").path, 0o644), 0)
        assertFailsCleanly(try loupe("verify", "f"), mentioning: ["f/manifest.json", "FIFO"])
    }

    // MARK: verify --rerun

    private let smallRun = ["train", "--model", "mlp", "--hidden", "16", "--epochs", "1", "--data", "mnist-5k"]

    /// The recorded command run again reproduces every output bit for bit; a deliberately
    /// altered output in the folder is reported as differing, with a non-zero exit.
    func testRerunReproducesATrainingRunAndCatchesAnAlteredOutput() throws {
        XCTAssertEqual(try loupe(arguments: smallRun + ["--out", "r"]).status, 0)
        let rerun = try loupe("verify", "--rerun", "r")
        XCTAssertEqual(rerun.status, 0, rerun.stdout + rerun.stderr)
        for file in ["model.safetensors", "state.safetensors", "metrics.jsonl"] {
            XCTAssertTrue(rerun.stdout.contains("identical  \(file)"), rerun.stdout)
        }
        XCTAssertTrue(rerun.stdout.contains("reproduced: 3 of 3 outputs bit-identical"), rerun.stdout)
        XCTAssertTrue(rerun.stdout.contains("LOUPE_KERNELS="), rerun.stdout)

        let model = workDirectory.appendingPathComponent("r/model.safetensors")
        var data = try Data(contentsOf: model)
        data[data.count / 2] ^= 0x40
        try data.write(to: model)
        let altered = try loupe("verify", "--rerun", "r")
        XCTAssertEqual(altered.status, 1, altered.stdout + altered.stderr)
        XCTAssertTrue(altered.stdout.contains("differs    model.safetensors"), altered.stdout)
        XCTAssertTrue(altered.stdout.contains("identical  state.safetensors"), altered.stdout)
        XCTAssertTrue(altered.stdout.contains("not reproduced: 2 of 3"), altered.stdout)
    }

    /// Killing `verify --rerun` takes its rerun with it, and the next `verify --rerun` removes
    /// the temporary folder the killed one could not (the rerun had run on to the end, and its
    /// folder, a copy of every output, stayed).
    func testAKilledRerunEndsWithItsVerifyAndItsFolderIsRemovedLater() throws {
        #if os(Linux)
            let run = ["train", "--model", "cnn", "--epochs", "3", "--data", "mnist-5k", "--threads", "1"]
            XCTAssertEqual(try loupe(arguments: run + ["--out", "r"]).status, 0)
            let verify = Process()
            verify.executableURL = executable
            verify.arguments = ["verify", "--rerun", "r"]
            verify.currentDirectoryURL = workDirectory
            verify.standardOutput = FileHandle.nullDevice
            verify.standardError = FileHandle.nullDevice
            try verify.run()
            let marker = "loupe-rerun-\(verify.processIdentifier)-"
            /// Processes whose command line names the killed verify's rerun folder.
            func reruns() -> [String] {
                let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
                return processes.filter { pid in
                    guard Int32(pid) != nil,
                        let line = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline")
                    else { return false }
                    return String(decoding: line, as: UTF8.self).contains(marker)
                }
            }
            func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
                let end = Date().addingTimeInterval(seconds)
                while Date() < end {
                    if condition() { return true }
                    usleep(10_000)
                }
                return condition()
            }
            XCTAssertTrue(waitUntil(seconds: 60) { !reruns().isEmpty }, "the rerun never started")
            kill(verify.processIdentifier, SIGKILL)
            verify.waitUntilExit()
            XCTAssertTrue(waitUntil(seconds: 10) { reruns().isEmpty }, "the rerun outlived its verify")
            let temporary = FileManager.default.temporaryDirectory.path
            func leftFolders() -> [String] {
                ((try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? []).filter {
                    $0.hasPrefix(marker)
                }
            }
            XCTAssertEqual(leftFolders().count, 1)
            let quick = try loupe(arguments: smallRun + ["--out", "q"])
            XCTAssertEqual(quick.status, 0, quick.stderr)
            XCTAssertEqual(try loupe("verify", "--rerun", "q").status, 0)
            XCTAssertEqual(leftFolders(), [])
        #endif
    }

    /// An audit's population reruns bit for bit too: members' timings are in the manifest,
    /// not in their member.json.
    func testRerunReproducesAnAuditRun() throws {
        let audit = try loupe(
            "audit", "--model", "mlp", "--hidden", "16", "--epochs", "1", "--members", "2", "--variants",
            "dense,prune:0.5", "--threads", "2", "--out", "au")
        XCTAssertEqual(audit.status, 0, audit.stderr)
        XCTAssertNotNil(try manifest("au")["phaseSeconds"] as? [String: Double])
        let rerun = try loupe("verify", "--rerun", "au")
        XCTAssertEqual(rerun.status, 0, rerun.stdout + rerun.stderr)
        XCTAssertTrue(rerun.stdout.contains("identical  population/dense/000/member.json"), rerun.stdout)
        XCTAssertTrue(rerun.stdout.contains("identical  report.html"), rerun.stdout)
        XCTAssertTrue(rerun.stdout.contains("identical  summary.json"), rerun.stdout)
        // The latencies are measured again, not compared.
        for file in ["variants.csv", "latency.json", "frontier.html"] {
            XCTAssertTrue(rerun.stdout.contains("measured   \(file)  measured again by the rerun"), rerun.stdout)
        }
        XCTAssertTrue(rerun.stdout.contains("reproduced: "), rerun.stdout)
    }

    /// A run recorded by another version is not rerun (its numerics may differ).
    func testRerunRefusesAnotherToolVersion() throws {
        XCTAssertEqual(try loupe(arguments: smallRun + ["--out", "v"]).status, 0)
        let url = workDirectory.appendingPathComponent("v/manifest.json")
        var text = try String(contentsOf: url, encoding: .utf8)
        let version = try XCTUnwrap(text.range(of: #""toolVersion" : "[^"]*""#, options: .regularExpression))
        text.replaceSubrange(version, with: #""toolVersion" : "0.0.9""#)
        try reseal(text, to: url)
        XCTAssertEqual(try loupe("verify", "v").status, 0, "a resealed manifest verifies")
        assertFailsCleanly(try loupe("verify", "--rerun", "v"), mentioning: ["v/manifest.json", "0.0.9", "version"])
    }

    /// A recorded working directory that is now a file, or a temporary folder that is a file,
    /// stops the rerun with one line naming the path (Process printed Foundation's error dump).
    func testRerunWhereItsFoldersAreFilesFailsInOneLine() throws {
        XCTAssertEqual(try loupe(arguments: smallRun + ["--out", "w"]).status, 0)
        let file = try write(Data("not a folder".utf8), to: "was-a-folder")
        let url = workDirectory.appendingPathComponent("w/manifest.json")
        var text = try String(contentsOf: url, encoding: .utf8)
        let recorded = try XCTUnwrap(text.range(of: #""workingDirectory" : "[^"]*""#, options: .regularExpression))
        text.replaceSubrange(recorded, with: #""workingDirectory" : "\#(file.path)""#)
        try reseal(text, to: url)
        XCTAssertEqual(try loupe("verify", "w").status, 0, "a resealed manifest verifies")
        let rerun = try loupe("verify", "--rerun", "w")
        assertFailsCleanly(
            rerun, mentioning: [file.path, "the run's recorded working directory is not a folder"])
        XCTAssertFalse(rerun.stderr.contains("Domain="), rerun.stderr)

        XCTAssertEqual(try loupe(arguments: smallRun + ["--out", "t"]).status, 0)
        let temporary = try loupe(arguments: ["verify", "--rerun", "t"], environment: ["TMPDIR": file.path])
        assertFailsCleanly(temporary, mentioning: [file.path, "cannot make the rerun's temporary folder"])
        XCTAssertFalse(temporary.stderr.contains("Domain="), temporary.stderr)
    }

    /// Writes a manifest's text with its `contentSHA256` recomputed, as a forger would: the
    /// canonical form is the file without that line.
    private func reseal(_ text: String, to url: URL) throws {
        var lines = text.components(separatedBy: "\n")
        let index = try XCTUnwrap(lines.firstIndex { $0.hasPrefix(#"  "contentSHA256" : "#) })
        lines.remove(at: index)
        let canonical = workDirectory.appendingPathComponent("canonical.json")
        try Data(lines.joined(separator: "\n").utf8).write(to: canonical)
        let hasher = Process()
        hasher.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        hasher.arguments = [canonical.path]
        let out = Pipe()
        hasher.standardOutput = out
        try hasher.run()
        let digest = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
        hasher.waitUntilExit()
        lines.insert(#"  "contentSHA256" : "\#(digest)","#, at: index)
        try Data(lines.joined(separator: "\n").utf8).write(to: url)
    }
}
