import Foundation
import XCTest

final class DifficultyCommandTests: CLITestCase {
    func rows(_ path: String) throws -> [[String]] {
        try String(contentsOf: workDirectory.appendingPathComponent(path), encoding: .utf8)
            .split(separator: "\r\n").map {
                $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
    }

    /// Training mode writes every score with a rank, deciles and a verifiable manifest.
    func testDifficultyWritesScoresRanksAndDeciles() throws {
        let result = try loupe(
            "difficulty", "--model", "mlp", "--hidden", "16", "--epochs", "3", "--cl-folds", "2", "--el2n-seeds", "2",
            "--out", "d")
        XCTAssertEqual(result.status, 0, result.stderr)
        let table = try rows("d/difficulty.csv")
        XCTAssertEqual(table.count, 1 + 4000)
        let header = table[0]
        for column in [
            "id", "label", "final_prediction", "cl_label_issue", "vog", "vog-normalized", "vog-normalized-abs",
            "final-loss", "final-margin", "el2n", "grand", "forgetting", "aum", "confidence", "variability",
            "correctness", "self-confidence",
        ] {
            XCTAssertTrue(header.contains(column), column)
        }
        let rankColumn = header.firstIndex(of: "aum_rank")!
        XCTAssertEqual(Set(table.dropFirst().map { Int($0[rankColumn])! }), Set(1...4000), "ranks are a permutation")
        let deciles = try rows("d/deciles.csv").dropFirst().filter { $0[0] == "aum" }
        XCTAssertEqual(deciles.map { $0[2] }, (1...10).map(String.init))
        XCTAssertEqual(deciles.map { Int($0[3])! }.reduce(0, +), 4000)
        let errors = deciles.map { Double($0[7])! }
        XCTAssertGreaterThan(errors[9], errors[0], "the hardest decile by AUM has more errors than the easiest")
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("d/scores/vog.npy").path))
        let directionsURL = workDirectory.appendingPathComponent("d/scores/directions.json")
        let directions =
            try JSONSerialization.jsonObject(with: Data(contentsOf: directionsURL)) as! [String: [String: String]]
        XCTAssertEqual(directions["aum"]?["direction"], "higher-is-easier")
        XCTAssertEqual(directions["vog-normalized"]?["direction"], "higher-is-harder")
        XCTAssertEqual(try loupe("verify", "d").status, 0)

        // The same checkpoints give the same VoG when read back with --checkpoints.
        let again = try loupe(
            "difficulty", "--model", "mlp", "--hidden", "16", "--checkpoints", "d", "--cl-folds", "0", "--out", "again")
        XCTAssertEqual(again.status, 0, again.stderr)
        let vog = header.firstIndex(of: "vog")!
        let reread = try rows("again/difficulty.csv")
        XCTAssertEqual(
            reread.dropFirst().map { $0[reread[0].firstIndex(of: "vog")!] }, table.dropFirst().map { $0[vog] })
    }

    /// Bring your own gradients and logits: VoG equals a direct two-pass computation.
    func testBringYourOwnArrays() throws {
        _ = try write(Data((0..<10).map { "\($0 % 2),\($0),\($0 * 2),3,4\n" }.joined().utf8), to: "tiny.csv")
        // 8 training examples after the 20% split; three checkpoints of [8, 2, 2] gradients.
        var checkpoints: [[Float]] = []
        for k in 0..<3 {
            var values: [Float] = []
            for i in 0..<32 { values.append(Float((i * 7 + k * 3) % 11) / Float(k + 1)) }
            checkpoints.append(values)
        }
        for (k, values) in checkpoints.enumerated() {
            _ = try write(npy("<f4", shape: "(8, 2, 2)", payload: values.withUnsafeBytes { Data($0) }), to: "g\(k).npy")
        }
        var logits: [Float] = []
        for i in 0..<(3 * 8 * 2) { logits.append(Float((i * 5) % 7) - 3) }
        _ = try write(npy("<f4", shape: "(3, 8, 2)", payload: logits.withUnsafeBytes { Data($0) }), to: "logits.npy")
        let result = try loupe(
            "difficulty", "--data", "tiny.csv", "--gradients", "g0.npy,g1.npy,g2.npy", "--epoch-logits", "logits.npy",
            "--out", "byo")
        XCTAssertEqual(result.status, 0, result.stderr)
        let table = try rows("byo/difficulty.csv")
        let vogColumn = table[0].firstIndex(of: "vog")!
        for example in 0..<8 {
            var total = 0.0
            for pixel in 0..<4 {
                var values: [Double] = []
                for k in 0..<3 { values.append(Double(checkpoints[k][example * 4 + pixel])) }
                let mean = values.reduce(0, +) / 3
                var squares = 0.0
                for value in values { squares += (value - mean) * (value - mean) }
                total += (squares / 3).squareRoot()
            }
            XCTAssertEqual(Double(table[example + 1][vogColumn])!, total / 4, accuracy: 1e-5)
        }
    }

    func testBadDifficultyInputs() throws {
        _ = try write(Data((0..<10).map { "\($0 % 2),\($0),1,2,3\n" }.joined().utf8), to: "tiny.csv")
        let good = [Float](repeating: 1, count: 32)
        _ = try write(npy("<f4", shape: "(8, 2, 2)", payload: good.withUnsafeBytes { Data($0) }), to: "a.npy")
        _ = try write(npy("<f4", shape: "(8, 4)", payload: good.withUnsafeBytes { Data($0) }), to: "b.npy")
        assertFailsCleanly(
            try loupe("difficulty", "--data", "tiny.csv", "--gradients", "a.npy,b.npy", "--out", "x"),
            mentioning: ["b.npy"])
        assertFailsCleanly(
            try loupe("difficulty", "--data", "tiny.csv", "--gradients", "a.npy", "--out", "x"),
            mentioning: ["at least 2"])
        _ = try write(npy("<f4", shape: "(0, 8, 2)", payload: Data()), to: "empty.npy")
        assertFailsCleanly(
            try loupe("difficulty", "--data", "tiny.csv", "--epoch-logits", "empty.npy", "--out", "x"),
            mentioning: ["empty.npy"])
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("x").path), "nothing written")
        // Checkpoints of two different architectures.
        XCTAssertEqual(
            try loupe("train", "--data", "tiny.csv", "--model", "mlp", "--hidden", "4", "--epochs", "1", "--out", "one")
                .status, 0)
        XCTAssertEqual(
            try loupe("train", "--data", "tiny.csv", "--model", "mlp", "--hidden", "5", "--epochs", "1", "--out", "two")
                .status, 0)
        try FileManager.default.createDirectory(
            at: workDirectory.appendingPathComponent("mixed"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: workDirectory.appendingPathComponent("one/model.safetensors"),
            to: workDirectory.appendingPathComponent("mixed/a.safetensors"))
        try FileManager.default.copyItem(
            at: workDirectory.appendingPathComponent("two/model.safetensors"),
            to: workDirectory.appendingPathComponent("mixed/b.safetensors"))
        assertFailsCleanly(
            try loupe(
                "difficulty", "--data", "tiny.csv", "--model", "mlp", "--checkpoints", "mixed", "--cl-folds", "0",
                "--out", "x"), mentioning: ["b.safetensors", "architecture"])
    }

    /// The label-noise benchmark finds flipped labels: the training-dynamics scores rank them
    /// far above chance (AUROC 0.5).
    func testLabelNoiseBenchmark() throws {
        let result = try loupe(
            "benchmark", "label-noise", "--model", "mlp", "--hidden", "32", "--epochs", "4", "--cl-folds", "2",
            "--noise", "0.05", "--noise-seed", "3", "--out", "ln")
        XCTAssertEqual(result.status, 0, result.stderr)
        let table = try rows("ln/label-noise.csv")
        XCTAssertEqual(table[0], ["score", "auroc", "precision_at_k", "k", "base_rate"])
        let auroc = Dictionary(
            uniqueKeysWithValues: table.dropFirst().compactMap { row in Double(row[1]).map { (row[0], $0) } })
        XCTAssertEqual(table.first { $0[0] == "aum" }?[3], "200")
        XCTAssertGreaterThan(auroc["aum"]!, 0.8)
        XCTAssertGreaterThan(auroc["final-loss"]!, 0.8)
        XCTAssertTrue(auroc.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        let flipped = try rows("ln/difficulty.csv")
        let column = flipped[0].firstIndex(of: "label_flipped")!
        XCTAssertEqual(flipped.dropFirst().filter { $0[column] == "1" }.count, 200)
    }
}
