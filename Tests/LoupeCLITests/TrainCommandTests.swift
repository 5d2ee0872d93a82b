import Foundation
import XCTest

final class TrainCommandTests: CLITestCase {
    /// Train writes its outputs and a manifest that `verify` accepts; editing an output is
    /// caught; the same seed reproduces the weights byte for byte.
    func testTrainWritesVerifiableReproducibleOutputs() throws {
        let arguments = [
            "train", "--model", "mlp", "--hidden", "32", "--epochs", "2", "--checkpoint-every", "1", "--seed", "5",
        ]
        let first = try loupe(arguments: arguments + ["--out", "a"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("epoch 2/2"), first.stdout)
        let a = workDirectory.appendingPathComponent("a")
        for file in [
            "model.safetensors", "state.safetensors", "metrics.jsonl", "manifest.json",
            "checkpoints/epoch-000001.safetensors", "checkpoints/epoch-000002.safetensors",
        ] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: a.appendingPathComponent(file).path), file)
        }
        let metrics = try String(contentsOf: a.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(
            separator: "\n")
        XCTAssertEqual(metrics.count, 2)
        let manifest =
            try JSONSerialization.jsonObject(with: Data(contentsOf: a.appendingPathComponent("manifest.json")))
            as! [String: Any]
        XCTAssertNotNil(manifest["flops"])
        XCTAssertEqual((manifest["seeds"] as? [String: Any])?["training"] as? Int, 5)

        let verified = try loupe("verify", "a")
        XCTAssertEqual(verified.status, 0, verified.stdout)

        let second = try loupe(arguments: arguments + ["--out", "b"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(
            try Data(contentsOf: a.appendingPathComponent("model.safetensors")),
            try Data(contentsOf: workDirectory.appendingPathComponent("b/model.safetensors")))

        let evaluation = try loupe("eval", "--model-file", "a/model.safetensors", "--json")
        XCTAssertEqual(evaluation.status, 0, evaluation.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(evaluation.stdout.utf8)) as! [String: Any]
        XCTAssertGreaterThan(json["accuracy"] as! Double, 0.5)
        XCTAssertEqual((json["confusion"] as! [[Int]]).count, 10)

        try Data("tampered".utf8).write(to: a.appendingPathComponent("metrics.jsonl"))
        let tampered = try loupe("verify", "a")
        XCTAssertNotEqual(tampered.status, 0)
        XCTAssertTrue(tampered.stdout.contains("changed  metrics.jsonl"), tampered.stdout)
    }

    /// A run interrupted after epoch 1 and resumed ends with the weights of an uninterrupted run.
    /// A data path holding control characters was printed raw in the "training ... on" line:
    /// log lines escape them, as error lines do.
    func testLogLinesEscapeControlCharactersFromTheCommandLine() throws {
        let name = "d\u{1B}[2J\u{7}.csv"
        _ = try write(Data((0..<20).map { "\($0 % 2),\($0),1,2,3\n" }.joined().utf8), to: name)
        let result = try loupe(arguments: [
            "train", "--data", name, "--model", "mlp", "--hidden", "4", "--epochs", "1", "--out", "o",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(result.stdout.contains("\u{1B}"), result.stdout)
        XCTAssertTrue(result.stdout.contains("on d\\x1b[2J\\x07.csv:"), result.stdout)
    }

    func testResumeReproducesUninterruptedRun() throws {
        let arguments = [
            "train", "--model", "mlp", "--hidden", "16", "--epochs", "2", "--checkpoint-every", "1", "--schedule",
            "cosine",
        ]
        XCTAssertEqual(try loupe(arguments: arguments + ["--out", "full"]).status, 0)
        let full = workDirectory.appendingPathComponent("full")
        let cut = workDirectory.appendingPathComponent("cut")
        try FileManager.default.copyItem(at: full, to: cut)
        try FileManager.default.removeItem(at: cut.appendingPathComponent("model.safetensors"))
        try FileManager.default.removeItem(at: cut.appendingPathComponent("state.safetensors"))
        try FileManager.default.copyItem(
            at: cut.appendingPathComponent("checkpoints/epoch-000001.safetensors"),
            to: cut.appendingPathComponent("state.safetensors"))
        let resumed = try loupe(arguments: arguments + ["--out", "cut", "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("resuming from epoch 1"), resumed.stdout)
        XCTAssertEqual(
            try Data(contentsOf: full.appendingPathComponent("model.safetensors")),
            try Data(contentsOf: cut.appendingPathComponent("model.safetensors")))

        let mismatched = try loupe(arguments: arguments + ["--out", "cut", "--resume", "--seed", "9"])
        assertFailsCleanly(mismatched, mentioning: ["state.safetensors", "different configuration"])
    }

    /// The portable kernel path (what a CPU without AVX2/FMA runs) trains the same model to
    /// the same accuracy within rounding: forced with LOUPE_KERNELS=generic.
    func testPortableKernelPathTrainsEquivalently() throws {
        let arguments = [
            "train", "--model", "cnn", "--hidden", "32", "--epochs", "1", "--batch-size", "64", "--threads", "1",
        ]
        let fast = try loupe(arguments: arguments + ["--out", "fast"])
        let portable = try loupe(
            arguments: arguments + ["--out", "portable"], environment: ["LOUPE_KERNELS": "generic"])
        XCTAssertEqual(fast.status, 0, fast.stderr)
        XCTAssertEqual(portable.status, 0, portable.stderr)
        func accuracy(_ run: String) throws -> Double {
            let line = try String(
                contentsOf: workDirectory.appendingPathComponent("\(run)/metrics.jsonl"), encoding: .utf8)
            let object =
                try JSONSerialization.jsonObject(with: Data(line.split(separator: "\n")[0].utf8)) as! [String: Any]
            return object["testAccuracy"] as! Double
        }
        let (a, b) = (try accuracy("fast"), try accuracy("portable"))
        XCTAssertGreaterThan(a, 0.8)
        XCTAssertEqual(a, b, accuracy: 0.02, "fused and separate multiply-add differ only by rounding")
        // The manifests say which path each run used: results are reproducible per path.
        func kernelPath(_ run: String) throws -> String? {
            let data = try Data(contentsOf: workDirectory.appendingPathComponent("\(run)/manifest.json"))
            let manifest = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            return (manifest["host"] as? [String: Any])?["kernelPath"] as? String
        }
        XCTAssertEqual(try kernelPath("portable"), "generic")
        XCTAssertNotNil(try kernelPath("fast"))
    }
}
