import Foundation
import XCTest

/// `--normalize` through the command line, and the ImageFolder record of the run manifest.
final class NormalizeCommandTests: CLITestCase {
    /// An ImageFolder of 4 x 4 grey PNGs: class `a` dark, class `b` bright, 6 training and
    /// 2 test images per class.
    private func makeFolder() throws {
        for (label, base) in [("a", 20), ("b", 200)] {
            for index in 0..<8 {
                let part = index < 6 ? "train" : "test"
                let png = ImageFolderCommandTests.png(side: 4, value: UInt8(base + 5 * index))
                _ = try write(Data(png), to: "folder/\(part)/\(label)/\(index).png")
            }
        }
    }

    private var environment: [String: String] {
        ["LOUPE_CACHE_DIR": workDirectory.appendingPathComponent("cache").path]
    }

    private func json(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: workDirectory.appendingPathComponent(path))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Trains with the training split's statistics on an ImageFolder; eval and attribute
    /// apply them from the checkpoint (eval reproduces the last epoch's test accuracy); the
    /// manifest records the folder by the hash of its decoded content, which a changed pixel
    /// file changes and `verify` reports.
    func testTrainWithDatasetStatisticsThenEvalAttributeAndVerify() throws {
        try makeFolder()
        let train = try loupe(
            arguments: [
                "train", "--data", "folder", "--model", "mlp", "--hidden", "8", "--epochs", "3", "--lr", "0.1",
                "--batch-size", "4", "--normalize", "dataset", "--threads", "1", "--out", "run",
            ], environment: environment)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertEqual(train.stdout.components(separatedBy: "normalize: mean").count - 1, 1, train.stdout)
        let checkpoint = try Data(contentsOf: workDirectory.appendingPathComponent("run/model.safetensors"))
        XCTAssertNotNil(checkpoint.range(of: Data(#"\"type\":\"normalize\""#.utf8)), "stored in the checkpoint")

        let metrics = try String(contentsOf: workDirectory.appendingPathComponent("run/metrics.jsonl"), encoding: .utf8)
        let last = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(metrics.split(separator: "\n").last!.utf8)) as? [String: Any])
        let trainedAccuracy = try XCTUnwrap((last["testAccuracy"] ?? last["test_accuracy"]) as? Double)
        let eval = try loupe(
            arguments: ["eval", "--model-file", "run/model.safetensors", "--data", "folder", "--json"],
            environment: environment)
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let evaluated = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(evaluated["accuracy"] as? Double, trainedAccuracy)

        let attribute = try loupe(
            arguments: [
                "attribute", "--model-file", "run/model.safetensors", "--data", "folder", "--ids", "0,1",
                "--method", "gradient", "--out", "maps", "--threads", "1",
            ], environment: environment)
        XCTAssertEqual(attribute.status, 0, attribute.stderr)

        let manifest = try json("run/manifest.json")
        let datasets = try XCTUnwrap(manifest["datasets"] as? [[String: Any]])
        XCTAssertEqual(datasets.count, 1)
        XCTAssertEqual(datasets[0]["kind"] as? String, "imagefolder")
        XCTAssertEqual(datasets[0]["images"] as? Int, 16)
        let root = workDirectory.appendingPathComponent("folder").standardizedFileURL.path
        XCTAssertEqual(datasets[0]["path"] as? String, root)
        let digest = try XCTUnwrap(datasets[0]["sha256"] as? String)
        XCTAssertEqual(digest.count, 64)
        // A cached start records the same hash.
        XCTAssertEqual(
            (try json("maps/manifest.json")["datasets"] as? [[String: Any]])?.first?["sha256"] as? String, digest)
        XCTAssertEqual(try loupe("verify", "run").status, 0)

        // One pixel file changes (same size): the decoded content, and so the hash, differ.
        _ = try write(Data(ImageFolderCommandTests.png(side: 4, value: 99)), to: "folder/test/b/7.png")
        let verify = try loupe("verify", "run")
        XCTAssertNotEqual(verify.status, 0)
        let changed = verify.stdout.split(separator: "\n").filter { $0.hasPrefix("changed") }
        XCTAssertEqual(changed.count, 1, verify.stdout)
        XCTAssertTrue(changed.first?.contains(root + " (decoded imagefolder of 16 images)") ?? false, verify.stdout)
        let retrain = try loupe(
            arguments: [
                "train", "--data", "folder", "--model", "mlp", "--hidden", "8", "--epochs", "1", "--threads", "1",
                "--out", "run2",
            ], environment: environment)
        XCTAssertEqual(retrain.status, 0, retrain.stderr)
        let newDigest = (try json("run2/manifest.json")["datasets"] as? [[String: Any]])?.first?["sha256"] as? String
        XCTAssertNotEqual(newDigest, digest)
    }

    func testBadNormalizationIsOneLineAndWritesNothing() throws {
        for (value, fragment) in [
            ("0.5,0.5:0.2", "2 mean(s) but 1 std(s)"), ("0.5:0", "stds must be positive"),
            ("0.5:nan", "stds must be positive"), ("0.5:1e-45", "at least 1.1754944e-38"),
            ("nan:1", "means must be finite"), ("garbage", "expected none"),
            ("0.5:0.2:1", "expected none"), ("0.5,:1,1", "expected none"),
        ] {
            let result = try loupe("train", "--model", "mlp", "--epochs", "0", "--normalize", value, "--out", "bad")
            assertFailsCleanly(result, mentioning: ["--normalize", fragment])
        }
        // mnist-5k has one channel.
        let result = try loupe(
            "audit", "--model", "mlp", "--epochs", "0", "--members", "1", "--normalize", "0.5,0.5,0.5:1,1,1", "--out",
            "bad")
        assertFailsCleanly(result, mentioning: ["--normalize", "3 channel(s)", "have 1"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("bad").path))
    }
}
