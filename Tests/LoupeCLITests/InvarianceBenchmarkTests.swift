import Foundation
import XCTest

final class InvarianceBenchmarkTests: CLITestCase {
    func rows(_ path: String) throws -> [[String]] {
        try String(contentsOf: workDirectory.appendingPathComponent(path), encoding: .utf8)
            .split(separator: "\r\n").map {
                $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
    }

    /// A tiny run on mnist-5k: both models are exactly equivalent after compensation, and
    /// every method passes or fails as theory says.
    func testTinyRunMatchesTheory() throws {
        let result = try loupe(
            "benchmark", "invariance", "--model", "mlp,cnn", "--hidden", "16", "--epochs", "1", "--examples", "3",
            "--steps", "4", "--samples", "3", "--out", "inv")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("every outcome is as theory predicts"), result.stdout)
        let table = try rows("inv/invariance.csv")
        XCTAssertEqual(
            table[0],
            [
                "model", "method", "max_abs_difference", "map_scale", "relative_difference",
                "worst_image_relative_difference", "relative_norm_difference", "tolerance", "pass", "expected",
            ])
        var outcome: [String: String] = [:]
        for row in table.dropFirst() {
            XCTAssertEqual(row[8], row[9], "\(row[0]) \(row[1]): relative norm difference \(row[6])")
            outcome["\(row[0]) \(row[1])"] = row[8]
        }
        for model in ["mlp", "cnn"] {
            for method in ["gradient", "smoothgrad", "guided-backprop", "integrated-gradients(baseline=black)"] {
                XCTAssertEqual(outcome["\(model) \(method)"], "1", "\(model) \(method) passes")
            }
            for method in ["gradient-x-input", "integrated-gradients(baseline=zero)"] {
                XCTAssertEqual(outcome["\(model) \(method)"], "0", "\(model) \(method) fails")
            }
        }
        let check = try rows("inv/output-check.csv")
        let equivalent = Dictionary(uniqueKeysWithValues: check.dropFirst().map { ("\($0[0]) \($0[1])", $0[4]) })
        XCTAssertEqual(equivalent["cnn exact"], "1")
        XCTAssertEqual(equivalent["cnn uniform-bias"], "0", "zero padding breaks the uniform compensation")
        XCTAssertEqual(equivalent["mlp uniform-bias"], "1")
        XCTAssertEqual(equivalent["mlp none"], "0")
        XCTAssertTrue(
            FileManager.default.fileExists(
                atPath: workDirectory.appendingPathComponent("inv/models/cnn.safetensors").path))
        XCTAssertEqual(try loupe("verify", "inv").status, 0)
    }

    /// The published mistake, no bias compensation, fails the output check loudly: one error
    /// line, a non-zero exit, nothing written.
    func testUncompensatedShiftFailsLoudly() throws {
        let result = try loupe(
            "benchmark", "invariance", "--model", "mlp", "--hidden", "8", "--epochs", "0", "--examples", "2",
            "--steps", "2", "--samples", "2", "--compensation", "none", "--out", "inv")
        assertFailsCleanly(result, mentioning: ["input invariance", "not equivalent"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("inv").path))
        assertFailsCleanly(
            try loupe("benchmark", "invariance", "--compensation", "half", "--out", "inv"),
            mentioning: ["--compensation", "half"])
    }
}
