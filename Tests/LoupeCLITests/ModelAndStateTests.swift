import Foundation
import XCTest

/// Models and states that lie (issue 12, points 2 to 4): architectures, checkpoints and
/// resume states whose sizes or fields are wrong, and runs that diverge, end with one error
/// line naming the file or option and the field, a non-zero exit and no partial output.
final class ModelAndStateTests: CLITestCase {
    /// A 2x2-image, 2-class CSV: fast to train on.
    func writeTinyCSV() throws {
        _ = try write(Data((0..<20).map { "\($0 % 2),\($0),1,2,3\n" }.joined().utf8), to: "tiny.csv")
    }

    func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent(path).path)
    }

    func testArchitecturesThatLieAreRefusedBeforeAnyOutput() throws {
        let huge = "4611686018427387904"  // 2^62
        assertFailsCleanly(
            try loupe("train", "--model", "mlp", "--hidden", "1000000000", "--out", "o"),
            mentioning: ["--hidden 1000000000", "fc1", "over the memory budget of 4.0 GiB", "LOUPE_MEMORY_BUDGET"])
        assertFailsCleanly(
            try loupe("train", "--model", "cnn", "--hidden", huge, "--out", "o"),
            mentioning: ["--hidden \(huge)", "fc1.weight"])

        _ = try write(
            Data(
                #"{"name": "p", "inputShape": [1, 28, 28], "layers": [{"type": "conv2d", "out": 4, "kernel": 3, "padding": \#(huge)}]}"#
                    .utf8), to: "pad.json")
        assertFailsCleanly(
            try loupe("train", "--model", "pad.json", "--out", "o"),
            mentioning: ["pad.json", "conv1", "padding \(huge)"])
        _ = try write(
            Data(
                #"{"name": "b", "inputShape": [1, 28, 28], "layers": [{"type": "flatten"}, {"type": "linear", "out": 10000000}]}"#
                    .utf8), to: "big.json")
        assertFailsCleanly(
            try loupe("population", "--model", "big.json", "--out", "o"),
            mentioning: ["big.json", "fc1", "4.0 GiB", "LOUPE_MEMORY_BUDGET"])
        _ = try write(
            Data(#"{"name": "f", "inputShape": [1, 28, 28], "layers": [{"type": "linear", "out": 10}]}"#.utf8),
            to: "flat.json")
        assertFailsCleanly(
            try loupe("train", "--model", "flat.json", "--out", "o"), mentioning: ["flat.json", "fc1", "flatten"])
        XCTAssertFalse(exists("o"), "partial output")
    }

    /// The budget is stated and LOUPE_MEMORY_BUDGET moves it.
    func testTheMemoryBudgetIsOverridable() throws {
        try writeTinyCSV()
        let arguments = ["train", "--data", "tiny.csv", "--model", "mlp", "--hidden", "1000", "--epochs", "1"]
        assertFailsCleanly(
            try loupe(arguments: arguments + ["--out", "small"], environment: ["LOUPE_MEMORY_BUDGET": "64K"]),
            mentioning: ["--hidden 1000", "fc1", "over the memory budget of 64.0 KiB"])
        XCTAssertFalse(exists("small"))
        let allowed = try loupe(arguments: arguments + ["--out", "large"], environment: ["LOUPE_MEMORY_BUDGET": "1M"])
        XCTAssertEqual(allowed.status, 0, allowed.stderr)
    }

    /// A checkpoint whose metadata claims an input of [1, 2^62, 8], or an epoch that is not a
    /// number, is refused naming the file and the field.
    func testCheckpointMetadataThatLies() throws {
        try writeTinyCSV()
        let trained = try loupe(
            "train", "--data", "tiny.csv", "--model", "mlp", "--hidden", "4", "--epochs", "1", "--out", "run")
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let model = workDirectory.appendingPathComponent("run/model.safetensors")

        var lying = try SafeTensorsFile(contentsOf: model)
        lying.metadata["architecture"] = lying.metadata["architecture"]!.replacingOccurrences(
            of: #""inputShape":[1,2,2]"#, with: #""inputShape":[1,4611686018427387904,8]"#)
        try lying.write(to: workDirectory.appendingPathComponent("lying.safetensors"))
        assertFailsCleanly(
            try loupe("eval", "--data", "tiny.csv", "--model-file", "lying.safetensors"),
            mentioning: ["lying.safetensors", "architecture in metadata", "4611686018427387904"])

        var epoch = try SafeTensorsFile(contentsOf: model)
        epoch.metadata["epoch"] = "one"
        try epoch.write(to: workDirectory.appendingPathComponent("epoch.safetensors"))
        assertFailsCleanly(
            try loupe("eval", "--data", "tiny.csv", "--model-file", "epoch.safetensors"),
            mentioning: ["epoch.safetensors", "metadata 'epoch'", "\"one\""])
    }

    /// Resume states whose position or optimizer state lies are refused, naming the state file
    /// and the field, and nothing in the run folder changes.
    func testResumeStatesThatLie() throws {
        try writeTinyCSV()
        let arguments = [
            "train", "--data", "tiny.csv", "--model", "mlp", "--hidden", "4", "--epochs", "2", "--threads", "1",
            "--checkpoint-every", "1",
        ]
        let full = try loupe(arguments: arguments + ["--out", "full"])
        XCTAssertEqual(full.status, 0, full.stderr)
        let epochOne = workDirectory.appendingPathComponent("full/checkpoints/epoch-000001.safetensors")
        XCTAssertEqual(
            try SafeTensorsFile(contentsOf: epochOne).tensors.keys.filter { $0.hasPrefix("optimizer.") }.sorted(),
            (0..<4).map { "optimizer.state.\($0).momentum_buffer" })

        var index = 0
        func assertRefused(
            mentioning fragments: [String], line: UInt = #line, edit: (inout SafeTensorsFile) -> Void
        ) throws {
            index += 1
            let folder = workDirectory.appendingPathComponent("cut\(index)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var state = try SafeTensorsFile(contentsOf: epochOne)
            edit(&state)
            let stateURL = folder.appendingPathComponent("state.safetensors")
            try state.write(to: stateURL)
            let before = try Data(contentsOf: stateURL)
            let result = try loupe(arguments: arguments + ["--out", "cut\(index)", "--resume"])
            assertFailsCleanly(result, mentioning: ["cut\(index)/state.safetensors"] + fragments, line: line)
            XCTAssertEqual(try Data(contentsOf: stateURL), before, line: line)
            XCTAssertEqual(
                try FileManager.default.contentsOfDirectory(atPath: folder.path), ["state.safetensors"],
                "nothing written", line: line)
        }
        try assertRefused(mentioning: ["metadata 'epoch'", "\"x\""]) { $0.metadata["epoch"] = "x" }
        try assertRefused(mentioning: ["metadata 'epoch'", "\"-1\""]) { $0.metadata["epoch"] = "-1" }
        try assertRefused(mentioning: ["metadata 'step'", "\"-5\""]) { $0.metadata["step"] = "-5" }
        try assertRefused(mentioning: ["epoch 7 is outside the run's 0...2 epochs"]) { $0.metadata["epoch"] = "7" }
        try assertRefused(mentioning: ["step 3 is not the end of epoch 1"]) { $0.metadata["step"] = "3" }
        try assertRefused(mentioning: ["'state.0.momentum_buffer' has shape [16], expected [4, 4]"]) {
            $0.tensors["optimizer.state.0.momentum_buffer"]!.shape = [16]
        }
        try assertRefused(mentioning: ["'state.2147483648.momentum_buffer'", "has 4 parameters"]) {
            $0.tensors["optimizer.state.2147483648.momentum_buffer"] = $0.tensors.removeValue(
                forKey: "optimizer.state.3.momentum_buffer")
        }
        try assertRefused(mentioning: ["missing optimizer state tensor 'state.2.momentum_buffer'"]) {
            $0.tensors["optimizer.state.2.momentum_buffer"] = nil
        }
        try assertRefused(mentioning: ["unexpected optimizer state tensor 'state.0.exp_avg'"]) {
            $0.tensors["optimizer.state.0.exp_avg"] = $0.tensors["optimizer.state.0.momentum_buffer"]
        }
        try assertRefused(mentioning: ["optimizer state is missing for a run at step"]) { state in
            for name in state.tensors.keys where name.hasPrefix("optimizer.") { state.tensors[name] = nil }
        }
    }

    /// `--lr 1e30` stops at the first non-finite loss with one line, before writing anything
    /// from the diverged state: the output folder it made is removed again, while a folder
    /// that existed before is kept as it was.
    func testADivergedRunStopsWithAClearError() throws {
        let result = try loupe(
            "train", "--model", "mlp", "--hidden", "16", "--lr", "1e30", "--threads", "1", "--out", "d/run")
        assertFailsCleanly(result, mentioning: ["training diverged in epoch 1", "no state to resume from"])
        XCTAssertFalse(result.stderr.contains("EncodingError"), result.stderr)
        XCTAssertFalse(exists("d/run"), "an empty output folder was left behind")
        XCTAssertTrue(exists("d"), "only the folder the run made is removed")

        try FileManager.default.createDirectory(
            at: workDirectory.appendingPathComponent("kept"), withIntermediateDirectories: true)
        let again = try loupe(
            "train", "--model", "mlp", "--hidden", "16", "--lr", "1e30", "--threads", "1", "--out", "kept")
        assertFailsCleanly(again, mentioning: ["training diverged in epoch 1"])
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: workDirectory.appendingPathComponent("kept").path), [])
    }

    /// A run that diverges in epoch 2 keeps epoch 1: its state and checkpoints load and resume,
    /// no file holds NaN weights, and `verify` refuses the unfinished run.
    func testADivergedRunKeepsItsLastGoodState() throws {
        // 4000 examples in batches of 128: 32 steps per epoch, then the rate becomes 5e28.
        let arguments = [
            "train", "--model", "mlp", "--hidden", "16", "--schedule", "step:32:1e30", "--epochs", "3",
            "--threads", "1", "--checkpoint-every", "5s", "--out", "d",
        ]
        let result = try loupe(arguments: arguments)
        assertFailsCleanly(
            result, mentioning: ["training diverged in epoch 2", "after epoch 1", "d/state.safetensors"])
        XCTAssertTrue(result.stdout.contains("epoch 1/3"), result.stdout)
        XCTAssertFalse(exists("d/model.safetensors"))
        // Only an in-progress manifest (for --resume) is left, and verify does not vouch for it.
        let verification = try loupe("verify", "d")
        assertFailsCleanly(verification, mentioning: ["d/manifest.json", "did not finish"])
        let metrics = try String(contentsOf: workDirectory.appendingPathComponent("d/metrics.jsonl"), encoding: .utf8)
        XCTAssertEqual(metrics.split(separator: "\n").count, 1)
        XCTAssertFalse(metrics.contains("null"), metrics)

        let checkpoints = try FileManager.default.contentsOfDirectory(
            atPath: workDirectory.appendingPathComponent("d/checkpoints").path
        ).sorted()
        XCTAssertFalse(checkpoints.isEmpty)
        for file in ["d/state.safetensors", "d/checkpoints/" + checkpoints.last!] {
            let evaluation = try loupe("eval", "--model-file", file)
            XCTAssertEqual(evaluation.status, 0, "\(file): \(evaluation.stderr)")
        }
        let resumed = try loupe(arguments: arguments + ["--resume"])
        XCTAssertTrue(resumed.stdout.contains("resuming from epoch 1"), resumed.stdout)
        assertFailsCleanly(resumed, mentioning: ["training diverged in epoch 2"])
    }
}
