import Foundation
import XCTest

/// A write that fails part-way (a full disk, a file over the size limit) gives one line naming
/// the file and the problem, a non-zero exit, and no partial output: the file it was replacing
/// is left as it was and the temporary file is removed. Made testable with `ulimit -f`: `loupe`
/// ignores SIGXFSZ, so a write past the limit fails with EFBIG instead of killing the process.
final class WriteFailureTests: CLITestCase {
    /// Blocks of 512 bytes: 4 KB, well below the models written here (tens of KB).
    private let limit = 8

    /// The names in the work folder that are writers' temporary files.
    private func temporaryFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: workDirectory.path).filter { $0.hasSuffix(".tmp") }
    }

    private func train() throws {
        let train = try loupe(
            "train", "--model", "mlp", "--hidden", "16", "--epochs", "1", "--threads", "1", "--out", "run")
        XCTAssertEqual(train.status, 0, train.stderr)
    }

    /// `export` writes its ONNX file whole (one buffer, `AtomicFile.write(_:to:)`).
    func testAnExportPastTheFileSizeLimitFailsInOneLineAndLeavesNoFile() throws {
        try train()
        let failed = try loupe(
            fileSizeLimit: limit, arguments: ["export", "run/model.safetensors", "--out", "model.onnx"])
        assertFailsCleanly(failed, mentioning: ["model.onnx", "File too large"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("model.onnx").path))
        XCTAssertEqual(try temporaryFiles(), [])

        // A file it would replace is left as it was.
        let exported = try loupe("export", "run/model.safetensors", "--out", "model.onnx")
        XCTAssertEqual(exported.status, 0, exported.stderr)
        let before = try Data(contentsOf: workDirectory.appendingPathComponent("model.onnx"))
        XCTAssertGreaterThan(before.count, limit * 512)
        assertFailsCleanly(
            try loupe(
                fileSizeLimit: limit,
                arguments: ["export", "run/model.safetensors", "--quantize", "float16", "--out", "model.onnx"]),
            mentioning: ["model.onnx", "File too large"])
        XCTAssertEqual(try Data(contentsOf: workDirectory.appendingPathComponent("model.onnx")), before)
        XCTAssertEqual(try temporaryFiles(), [])
    }

    /// A training run whose checkpoint passes the limit stops at that file: no checkpoint
    /// under its final name, no temporary file, and the manifest left as the in-progress one
    /// (the run can be resumed), which `verify` refuses as unfinished.
    func testATrainingRunPastTheFileSizeLimitStopsInOneLineAndIsNotSealed() throws {
        let failed = try loupe(
            fileSizeLimit: limit,
            arguments: ["train", "--model", "mlp", "--hidden", "16", "--epochs", "1", "--threads", "1", "--out", "run"])
        assertFailsCleanly(failed, mentioning: ["run/state.safetensors", "cannot write: File too large"])
        let left = try FileManager.default.contentsOfDirectory(
            atPath: workDirectory.appendingPathComponent("run").path
        ).sorted()
        XCTAssertEqual(left, ["manifest.json", "metrics.jsonl"])
        assertFailsCleanly(try loupe("verify", "run"), mentioning: ["run/manifest.json", "did not finish"])
    }

    /// `import` streams its checkpoint tensor by tensor (`AtomicFile.write(to:_:)`).
    func testAnImportPastTheFileSizeLimitFailsInOneLineAndLeavesNoFile() throws {
        try train()
        let exported = try loupe("export", "run/model.safetensors", "--out", "model.onnx")
        XCTAssertEqual(exported.status, 0, exported.stderr)
        let failed = try loupe(
            fileSizeLimit: limit, arguments: ["import", "model.onnx", "--out", "imported.safetensors"])
        assertFailsCleanly(failed, mentioning: ["imported.safetensors", "File too large"])
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("imported.safetensors").path))
        XCTAssertEqual(try temporaryFiles(), [])
    }
}
