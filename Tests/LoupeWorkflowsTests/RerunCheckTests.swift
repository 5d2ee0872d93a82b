import Foundation
import LoupeNN
import LoupeReport
import LoupeWorkflows
import XCTest

/// `RerunCheck`, the repetition behind `loupe verify --rerun`, called from Swift: it refuses,
/// before running anything, a run it cannot repeat exactly. (The repetitions themselves run
/// the `loupe` executable: `AuditTrailTests` in LoupeCLITests.)
final class RerunCheckTests: WorkflowTestCase {
    /// A run made in this test process records this process's command line, which is not a
    /// `loupe` command: the check names the manifest and the recipe's problem, and starts
    /// nothing.
    func testARunWhoseRecipeIsNotALoupeCommandIsRefusedBeforeRunning() throws {
        var training = TrainingConfiguration()
        training.epochs = 1
        training.batchSize = 16
        let result = try TrainWorkflow(
            TrainWorkflow.Configuration(
                data: try syntheticData(classes: 2), model: "mlp", hidden: "8", training: training,
                output: folder.appendingPathComponent("run"))
        ).run(progress: SilentProgress())
        try result.write(to: result.folder)
        let report = try ManifestVerifier.verify(directory: result.folder)
        XCTAssertTrue(report.isOK)
        var notes: [String] = []
        let check = RerunCheck(folder: result.folder, executable: URL(fileURLWithPath: "/bin/false"))
        XCTAssertThrowsError(try check.run(folderReport: report) { notes.append($0) }) { error in
            guard let refusal = error as? RerunCheck.Refusal else { return XCTFail("\(error)") }
            XCTAssertEqual(refusal.source, result.folder.appendingPathComponent("manifest.json").path)
            XCTAssertTrue(refusal.problem.contains("not a command that writes a run folder"), refusal.problem)
        }
        XCTAssertEqual(notes, [], "nothing is run")
    }

    /// A folder without a manifest is not a run: the check says so instead of running.
    func testAFolderWithoutAManifestIsNotChecked() throws {
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let check = RerunCheck(folder: empty, executable: URL(fileURLWithPath: "/bin/false"))
        let report = ManifestVerificationReport()
        XCTAssertThrowsError(try check.run(folderReport: report) { _ in }) { error in
            XCTAssertTrue("\(error)".contains("manifest.json"), "\(error)")
        }
    }
}
