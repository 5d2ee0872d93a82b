import Foundation
import LoupeReport
import LoupeWorkflows
import XCTest

/// `RerunCheck`, the repetition behind `loupe verify --rerun`, called from Swift with the
/// executable it runs given: it refuses a run it cannot repeat before running anything, and a
/// repetition that fails is a refusal naming the manifest. (Repetitions by the real `loupe`
/// executable: `AuditTrailTests` in LoupeCLITests.)
final class RerunCheckTests: WorkflowTestCase {
    /// A finished run folder holding one output, whose manifest records `commandLine`.
    func recordedRun(commandLine: [String]) throws -> URL {
        let run = folder.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        let output = run.appendingPathComponent("model.bin")
        try Data("weights".utf8).write(to: output)
        var recorder = RunRecorder(
            tool: "loupe", toolVersion: ToolVersion.current, commandLine: commandLine, environment: [:])
        recorder.kernelPath = "generic"
        recorder.rerun = RerunRecipe(commandLine: commandLine, threads: 1, workingDirectory: folder.path)
        try recorder.finish(outputs: [output], in: run)
        return run
    }

    /// The check runs the recorded command with the given executable, the recorded kernel
    /// path forced; an executable that fails is reported with its exit status.
    func testARerunThatFailsIsARefusalNamingTheManifest() throws {
        let run = try recordedRun(commandLine: ["loupe", "train", "--model", "mlp", "--out", "run"])
        let report = try ManifestVerifier.verify(directory: run)
        XCTAssertTrue(report.isOK, "\(report)")
        var notes: [String] = []
        let check = RerunCheck(folder: run, executable: URL(fileURLWithPath: "/bin/false"))
        XCTAssertThrowsError(try check.run(folderReport: report) { notes.append($0) }) { error in
            guard let refusal = error as? RerunCheck.Refusal else { return XCTFail("\(error)") }
            XCTAssertEqual(refusal.source, run.appendingPathComponent("manifest.json").path)
            XCTAssertEqual(refusal.problem, "the rerun failed (exit status 1)")
        }
        XCTAssertEqual(notes.count, 1, "\(notes)")
        XCTAssertTrue(notes.first?.hasPrefix("rerunning: loupe train --model mlp --out ") ?? false, "\(notes)")
        XCTAssertTrue(notes.first?.contains("LOUPE_KERNELS=generic") ?? false, "\(notes)")
    }

    /// A recorded command that writes no run folder is refused before anything runs.
    func testARecipeThatIsNotARunIsRefusedBeforeRunning() throws {
        let run = try recordedRun(commandLine: ["loupe", "verify", "elsewhere"])
        var notes: [String] = []
        let check = RerunCheck(folder: run, executable: URL(fileURLWithPath: "/bin/false"))
        XCTAssertThrowsError(
            try check.run(folderReport: try ManifestVerifier.verify(directory: run)) { notes.append($0) }
        ) {
            error in
            guard let refusal = error as? RerunCheck.Refusal else { return XCTFail("\(error)") }
            XCTAssertTrue(refusal.problem.contains("not a command that writes a run folder"), refusal.problem)
        }
        XCTAssertEqual(notes, [], "nothing is run")
    }

    /// A folder without a manifest is not a run: the check says so instead of running.
    func testAFolderWithoutAManifestIsNotChecked() throws {
        let check = RerunCheck(folder: folder, executable: URL(fileURLWithPath: "/bin/false"))
        XCTAssertThrowsError(try check.run(folderReport: ManifestVerificationReport()) { _ in }) { error in
            XCTAssertTrue("\(error)".contains("manifest.json"), "\(error)")
        }
    }
}
