import Foundation
import XCTest

/// Hostile data and attribution inputs end in one escaped error line naming the file, a
/// non-zero exit and no output folder: the cases of issue 12 points 3 and 4 that need a FIFO,
/// a trained model or an exact look at the bytes printed.
final class InputFileErrorTests: CLITestCase {
    func assertNoOutput(_ name: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent(name).path), "partial output",
            file: file, line: line)
    }

    func testZeroLeadingOverflowingNPYShapeIsRefused() throws {
        _ = try write(npy("<f4", shape: "(0, 4611686018427387904, 8)", payload: Data()), to: "zero/x.npy")
        _ = try write(npy("<i8", shape: "(0,)", payload: Data()), to: "zero/y.npy")
        assertFailsCleanly(
            try loupe("train", "--data", "zero", "--epochs", "1", "--out", "o"), mentioning: ["x.npy", "overflows"])
        assertNoOutput("o")
    }

    func testDatasetWithoutImagesIsRefused() throws {
        _ = try write(idx(magic: 0x0000_0803, dimensions: [0, 2, 2], bytes: []), to: "empty/images-idx3-ubyte")
        _ = try write(idx(magic: 0x0000_0801, dimensions: [0], bytes: []), to: "empty/labels-idx1-ubyte")
        assertFailsCleanly(
            try loupe("train", "--data", "empty", "--epochs", "1", "--out", "o"),
            mentioning: ["images-idx3-ubyte", "has no images"])
        assertNoOutput("o")
    }

    /// A FIFO as data would block a plain read (and was reported as a permission problem).
    func testFIFOAsDataIsNotARegularFile() throws {
        let fifo = workDirectory.appendingPathComponent("pipe.csv")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        assertFailsCleanly(
            try loupe("train", "--data", "pipe.csv", "--epochs", "1", "--out", "o"),
            mentioning: ["pipe.csv", "not a regular file (a FIFO)"])
        assertNoOutput("o")
    }

    /// A FIFO as a checkpoint was reported as "You don't have permission".
    func testFIFOAsCheckpointIsNotARegularFile() throws {
        let fifo = workDirectory.appendingPathComponent("model.safetensors")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        assertFailsCleanly(
            try loupe("eval", "--model-file", "model.safetensors"),
            mentioning: ["model.safetensors", "not a regular file (a FIFO)"])
    }

    func testNonFiniteIntegratedGradientsBaselineIsRefused() throws {
        let trained = try loupe("train", "--model", "mlp", "--hidden", "8", "--epochs", "1", "--out", "m")
        XCTAssertEqual(trained.status, 0, trained.stderr)
        for (name, bad) in [("nan.npy", Float.nan), ("inf.npy", -Float.infinity)] {
            var values = [Float](repeating: 0, count: 28 * 28)
            values[30] = bad
            _ = try write(npy("<f4", shape: "(1, 28, 28)", payload: values.withUnsafeBytes { Data($0) }), to: name)
            assertFailsCleanly(
                try loupe(
                    "attribute", "--model-file", "m/model.safetensors", "--method", "integrated-gradients", "--ids",
                    "5",
                    "--steps", "2", "--baseline", name, "--out", "a"),
                mentioning: [name, "non-finite value \(bad)", "element 30"])
            assertNoOutput("a")
        }
    }

    /// A NaN Taxicab score in a `cie.csv` would make `--top-cie` sort by an unordered key.
    func testNonFiniteTaxicabScoreIsRefused() throws {
        let trained = try loupe("train", "--model", "mlp", "--hidden", "8", "--epochs", "1", "--out", "m")
        XCTAssertEqual(trained.status, 0, trained.stderr)
        _ = try write(Data("variant,id,taxicab_score,is_cie\nprune,5,nan,1\nprune,8,1.5,1\n".utf8), to: "cie.csv")
        assertFailsCleanly(
            try loupe("attribute", "--model-file", "m/model.safetensors", "--top-cie", "cie.csv", "--out", "a"),
            mentioning: ["cie.csv", "line 2", "taxicab_score"])
        assertNoOutput("a")
    }

    /// Control characters from a file or an argument reach the terminal escaped, on one line.
    func testControlCharactersAreEscapedInErrors() throws {
        _ = try write(Data("0,1,2,3,4\n1,\u{1B}[2J,2,3,4\n".utf8), to: "bad.csv")
        let cell = try loupe("train", "--data", "bad.csv", "--out", "o")
        assertFailsCleanly(cell, mentioning: ["bad.csv", "line 2", "'\\x1b[2J'"])
        XCTAssertFalse(cell.stderr.contains("\u{1B}"), cell.stderr)

        // The last line of defence: any error's text, here a path with a line break and an escape.
        let path = try loupe("train", "--data", "no\nsuch\u{1B}]0;x\u{7}.csv", "--out", "o")
        assertFailsCleanly(path, mentioning: ["no\\nsuch\\x1b]0;x\\x07.csv", "unknown dataset"])
        XCTAssertFalse(path.stderr.contains("\u{1B}") || path.stderr.contains("\u{7}"), path.stderr)
        assertNoOutput("o")
    }

    /// ArgumentParser keeps its usage errors (exit 64, usage text) and its help.
    func testUsageErrorsAndHelpKeepArgumentParserHandling() throws {
        let usage = try loupe("train", "--no-such-option")
        XCTAssertEqual(usage.status, 64, usage.stderr)
        XCTAssertTrue(usage.stderr.contains("Usage: loupe train"), usage.stderr)
        let help = try loupe("attribute", "--help")
        XCTAssertEqual(help.status, 0, help.stderr)
        XCTAssertTrue(help.stdout.contains("OVERVIEW:"), help.stdout)
    }
}
