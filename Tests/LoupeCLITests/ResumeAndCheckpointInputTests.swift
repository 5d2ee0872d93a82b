import Foundation
import XCTest

/// Inputs a resumed run or `difficulty --checkpoints` reads besides the state: refused by
/// name, never blocking on a FIFO or silently dropping what they held.
final class ResumeAndCheckpointInputTests: CLITestCase {
    let training = [
        "train", "--data", "tiny.csv", "--model", "mlp", "--hidden", "4", "--epochs", "2", "--threads", "1",
    ]

    /// A finished two-epoch run in `run`.
    func trainedRun() throws -> URL {
        _ = try write(Data((0..<20).map { "\($0 % 2),\($0),1,2,3\n" }.joined().utf8), to: "tiny.csv")
        let trained = try loupe(arguments: training + ["--out", "run"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        return workDirectory.appendingPathComponent("run")
    }

    /// metrics.jsonl was read with `try?`: a FIFO made the run hang later (hashing it into
    /// the manifest), a short file silently lost the history of the epochs before the resume.
    func testAResumeRefusesMetricsThatAreNotARegularFileOrAreShort() throws {
        let run = try trainedRun()
        let metrics = run.appendingPathComponent("metrics.jsonl")
        let lines = try String(contentsOf: metrics, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)

        try Data((lines[0] + "\n").utf8).write(to: metrics)
        assertFailsCleanly(
            try loupe(arguments: training + ["--out", "run", "--resume"]),
            mentioning: ["run/metrics.jsonl", "cannot resume", "holds 1 of the 2 lines"])

        // Lines that are not the epochs' metrics would be copied into the finished run.
        try Data("\u{0}\u{FF} garbage\n\(lines[1])\n".utf8).write(to: metrics)
        assertFailsCleanly(
            try loupe(arguments: training + ["--out", "run", "--resume"]),
            mentioning: ["run/metrics.jsonl", "cannot resume: line 1 is not the metrics of epoch 1"])
        try Data("\(lines[1])\n\(lines[0])\n".utf8).write(to: metrics)
        assertFailsCleanly(
            try loupe(arguments: training + ["--out", "run", "--resume"]),
            mentioning: ["run/metrics.jsonl", "line 1 is not the metrics of epoch 1"])
        try Data("\(lines[0])\n\(lines[1])\n".utf8).write(to: metrics)
        XCTAssertEqual(try loupe(arguments: training + ["--out", "run", "--resume"]).status, 0)

        try FileManager.default.removeItem(at: metrics)
        XCTAssertEqual(mkfifo(metrics.path, 0o600), 0)
        assertFailsCleanly(
            try loupe(arguments: training + ["--out", "run", "--resume"]),
            mentioning: ["run/metrics.jsonl", "cannot resume", "not a regular file (a FIFO)"])
    }

    /// `--checkpoints` that is missing or not a folder was "VoG needs at least two
    /// checkpoints, found 0", naming nothing.
    func testDifficultyNamesACheckpointFolderItCannotUse() throws {
        let run = try trainedRun()
        let one = workDirectory.appendingPathComponent("one")
        try FileManager.default.createDirectory(at: one, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: run.appendingPathComponent("model.safetensors"), to: one.appendingPathComponent("model.safetensors"))
        let arguments = ["difficulty", "--data", "tiny.csv", "--model", "mlp", "--hidden", "4", "--epochs", "2"]
        assertFailsCleanly(
            try loupe(arguments: arguments + ["--checkpoints", "missing", "--out", "out"]),
            mentioning: ["missing", "--checkpoints", "No such file or directory"])
        assertFailsCleanly(
            try loupe(arguments: arguments + ["--checkpoints", "tiny.csv", "--out", "out"]),
            mentioning: ["tiny.csv", "--checkpoints", "not a readable directory"])
        assertFailsCleanly(
            try loupe(arguments: arguments + ["--checkpoints", "one", "--out", "out"]),
            mentioning: ["one", "VoG needs at least two checkpoints (.safetensors or .onnx), found 1"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("out").path))
    }
}
