import Foundation
import XCTest

final class AuditCommandTests: CLITestCase {
    let tiny = ["--model", "mlp", "--hidden", "16", "--members", "2", "--epochs", "1"]

    func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: workDirectory.appendingPathComponent(path)))
            as! [String: Any]
    }

    /// The whole pipeline on mnist-5k: populations, every output, a verifiable manifest, and a
    /// second run that reuses every member and writes the same CIEs.
    func testAuditWritesEveryOutputAndResumes() throws {
        let arguments = ["audit"] + tiny + ["--variants", "dense,prune:0.5,int8-channel", "--out", "audit"]
        let first = try loupe(arguments: arguments)
        XCTAssertEqual(first.status, 0, first.stderr)
        for file in [
            "cie.csv", "cie.jsonl", "classes.csv", "summary.json", "report.html", "manifest.json",
            "population/population.json", "population/dense/000/logits.npy", "population/prune-0.50/001/member.json",
            "population/int8-channel/000/model.safetensors",
        ] {
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("audit/" + file).path), file
            )
        }
        let cie = try String(contentsOf: workDirectory.appendingPathComponent("audit/cie.csv"), encoding: .utf8)
        let lines = cie.split(separator: "\r\n")
        XCTAssertEqual(
            lines.first,
            "variant,id,true_label,baseline_modal_label,compressed_modal_label,taxicab_score,is_cie,baseline_accuracy,compressed_accuracy"
        )
        XCTAssertEqual(lines.count, 1 + 2 * 1000, "one row per compressed variant and test example")
        let summary = try json("audit/summary.json")
        let variants = summary["variants"] as! [[String: Any]]
        XCTAssertEqual(variants.map { $0["variant"] as! String }, ["prune-0.50", "int8-channel"])
        let cieCount = variants[0]["cie_count"] as! Int
        XCTAssertEqual(
            cie.split(separator: "\r\n").filter { $0.hasPrefix("prune-0.50,") && $0.contains(",1,") }.count >= cieCount,
            true)
        let html = try String(contentsOf: workDirectory.appendingPathComponent("audit/report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<svg"))
        XCTAssertFalse(html.contains("src=\"http"))
        XCTAssertEqual(try loupe("verify", "audit").status, 0)

        let second = try loupe(arguments: arguments)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(second.stdout.components(separatedBy: "verified, reused").count - 1, 4, second.stdout)
        XCTAssertEqual(
            try String(contentsOf: workDirectory.appendingPathComponent("audit/cie.csv"), encoding: .utf8), cie)
    }

    /// A member interrupted before its member.json, or whose files were altered, is made
    /// again; the population ends exactly as an uninterrupted run.
    func testPopulationResumesAfterInterruption() throws {
        let arguments = ["population"] + tiny + ["--variants", "dense,prune:0.5"]
        XCTAssertEqual(try loupe(arguments: arguments + ["--out", "clean"]).status, 0)
        XCTAssertEqual(try loupe(arguments: arguments + ["--out", "cut"]).status, 0)
        let cut = workDirectory.appendingPathComponent("cut")
        try FileManager.default.removeItem(at: cut.appendingPathComponent("dense/001/member.json"))
        try Data("junk".utf8).write(to: cut.appendingPathComponent("prune-0.50/000/predictions.npy"))
        let resumed = try loupe(arguments: arguments + ["--out", "cut"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(resumed.stdout.components(separatedBy: "verified, reused").count - 1, 2, resumed.stdout)
        for member in ["dense/001", "prune-0.50/000"] {
            for file in ["predictions.npy", "logits.npy", "model.safetensors"] {
                XCTAssertEqual(
                    try Data(contentsOf: cut.appendingPathComponent("\(member)/\(file)")),
                    try Data(contentsOf: workDirectory.appendingPathComponent("clean/\(member)/\(file)")),
                    "\(member)/\(file)")
            }
        }
        let more = try loupe(arguments: ["population"] + tiny + ["--variants", "dense,prune:0.9", "--out", "cut"])
        XCTAssertEqual(more.status, 0, more.stderr)
        XCTAssertEqual(more.stdout.components(separatedBy: "verified, reused").count - 1, 2, "dense members reused")
        let other = try loupe(arguments: [
            "population", "--model", "mlp", "--hidden", "16", "--members", "2", "--epochs", "2", "--out", "cut",
        ])
        assertFailsCleanly(other, mentioning: ["population.json", "different population"])
    }

    /// One-shot pruning of the dense members with fixed-mask fine-tuning: exact per-layer
    /// sparsity (first layer dense, last capped at 80%), recorded per member.
    func testOneShotPrunedPopulation() throws {
        let arguments = ["population", "--model", "mlp", "--hidden", "16,12", "--members", "2", "--epochs", "1"]
        let result = try loupe(arguments: arguments + ["--variants", "dense,oneshot:0.9:1", "--out", "oneshot"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let record = try json("oneshot/oneshot-0.90-ft1/001/member.json")
        let layers = record["layerSparsity"] as! [String: Double]
        XCTAssertEqual(layers["fc1.weight"], 0)
        XCTAssertEqual(layers["fc2.weight"], Double(192 - 19) / 192, "16x12 weights keep round(19.2)")
        XCTAssertEqual(layers["fc3.weight"], Double(120 - 24) / 120, "the last layer is capped at 80%")
    }

    /// 2:4 semi-structured pruning, gradual and one-shot, through `loupe audit`: both variants
    /// are audited under their file-safe names, the pruned layer is exactly half zeros (the
    /// first layer dense), and a bad N:M spec is one error line naming it.
    func testNMPrunedAudit() throws {
        let arguments = [
            "audit", "--model", "mlp", "--hidden", "16", "--members", "1", "--epochs", "1", "--threads", "1",
        ]
        let result = try loupe(arguments: arguments + ["--variants", "dense,prune-2:4,oneshot-2:4:1", "--out", "nm"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let summary = try json("nm/summary.json")
        let variants = summary["variants"] as! [[String: Any]]
        XCTAssertEqual(variants.map { $0["variant"] as! String }, ["prune-2of4", "oneshot-2of4-ft1"])
        XCTAssertTrue(result.stdout.contains("prune-2of4"), result.stdout)
        for name in ["prune-2of4", "oneshot-2of4-ft1"] {
            let layers = try json("nm/population/\(name)/000/member.json")["layerSparsity"] as! [String: Double]
            XCTAssertEqual(layers, ["fc1.weight": 0, "fc2.weight": 0.5], name)
        }
        let population = try String(
            contentsOf: workDirectory.appendingPathComponent("nm/population/population.json"), encoding: .utf8)
        XCTAssertTrue(population.contains("\"prune-2:4\"") && population.contains("\"oneshot-2:4:1\""), population)
        XCTAssertEqual(try loupe("verify", "nm").status, 0)
        assertFailsCleanly(
            try loupe("audit", "--variants", "dense,prune-4:2", "--out", "x"), mentioning: ["prune-4:2", "N < M"])
        assertFailsCleanly(
            try loupe("population", "--variants", "dense,oneshot-2:x", "--out", "x"), mentioning: ["oneshot-2:x"])
    }

    /// Structured pruning, gradual and one-shot, through `loupe audit`: the members are smaller
    /// networks (half of the hidden units gone), so their files are smaller than the dense
    /// members', and the summary's sparsity is the fraction of the dense weights removed.
    func testStructuredPrunedAudit() throws {
        let arguments = [
            "audit", "--model", "mlp", "--hidden", "16", "--members", "1", "--epochs", "1", "--threads", "1",
        ]
        let result = try loupe(
            arguments: arguments + ["--variants", "prune-filters:0.5,oneshot-filters:0.5", "--out", "filters"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let summary = try json("filters/summary.json")
        let dense = try XCTUnwrap(summary["baseline_size_on_disk_bytes"] as? Int)
        let variants = summary["variants"] as! [[String: Any]]
        XCTAssertEqual(variants.map { $0["variant"] as! String }, ["prune-filters-0.50", "oneshot-filters-0.50-ft1"])
        for variant in variants {
            let name = variant["variant"] as! String
            XCTAssertLessThan(try XCTUnwrap(variant["size_on_disk_bytes"] as? Int), dense * 6 / 10, name)
            // 784 x 16 + 16 x 10 dense weights; 784 x 8 + 8 x 10 kept.
            XCTAssertEqual(variant["sparsity"] as! Double, 0.5, accuracy: 1e-12, name)
            let record = try json("filters/population/\(name)/000/member.json")
            XCTAssertEqual(record["unitsRemoved"] as? Double, 0.5, name)
            XCTAssertEqual(record["layerSparsity"] as? [String: Double], ["fc1.weight": 0.5, "fc2.weight": 0.5], name)
        }
        let population = try String(
            contentsOf: workDirectory.appendingPathComponent("filters/population/population.json"), encoding: .utf8)
        XCTAssertTrue(
            population.contains("\"prune-filters:0.5\"") && population.contains("\"oneshot-filters:0.5:1\""),
            population)
        XCTAssertEqual(try loupe("verify", "filters").status, 0)
        // `loupe population`'s table gives the whole name, however long.
        let table = try loupe(
            arguments: ["population"] + arguments.dropFirst() + ["--variants", "oneshot-filters:0.5", "--out", "table"])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("\noneshot-filters-0.50-ft1       1  "), table.stdout)
        assertFailsCleanly(
            try loupe("audit", "--variants", "dense,prune-filters:1.5", "--out", "x"),
            mentioning: ["prune-filters:1.5", "(0, 1)"])
    }

    /// Predictions of populations trained elsewhere: CIEs are exactly the examples whose modal
    /// label changed.
    func testBringYourOwnPredictions() throws {
        let splitsLabels = try testLabels()
        let n = splitsLabels.count
        var baseline: [Int64] = []
        var compressed: [Int64] = []
        for _ in 0..<3 {
            baseline += splitsLabels.map(Int64.init)
            compressed += splitsLabels.enumerated().map { Int64($0.offset < 25 ? ($0.element + 1) % 10 : $0.element) }
        }
        _ = try write(npy("<i8", shape: "(3, \(n))", payload: baseline.withUnsafeBytes { Data($0) }), to: "base.npy")
        _ = try write(
            npy("<i8", shape: "(3, \(n))", payload: compressed.withUnsafeBytes { Data($0) }), to: "pruned.npy")
        let result = try loupe(
            "audit", "--baseline-predictions", "base.npy", "--compressed-predictions", "pruned.npy", "--out", "byo")
        XCTAssertEqual(result.status, 0, result.stderr)
        let variants = try json("byo/summary.json")["variants"] as! [[String: Any]]
        XCTAssertEqual(variants[0]["variant"] as? String, "pruned")
        XCTAssertEqual(variants[0]["cie_count"] as? Int, 25)
        XCTAssertEqual(variants[0]["baseline_accuracy_on_cie"] as? Double, 1)
        XCTAssertEqual(variants[0]["compressed_accuracy_on_cie"] as? Double, 0)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("byo/population").path))
    }

    /// Populations of different sizes (a baseline of 5 against 4 and 1): each pair is sized on
    /// its own, the class analysis runs for the pair that has two models per side and says why
    /// it is skipped for the other, and summary.json gives every population's size; the order
    /// of the compressed files does not matter.
    func testPopulationsOfDifferentSizesAreSizedPerPair() throws {
        let labels = try testLabels().map(Int64.init)
        let n = labels.count
        func population(_ models: Int, wrongWhen wrong: (Int, Int) -> Bool) -> [Int64] {
            (0..<models).flatMap { model in
                labels.enumerated().map { wrong(model, $0.offset) ? ($0.element + 1) % 10 : $0.element }
            }
        }
        let populations = [
            ("base", 5, population(5) { model, example in (example + model) % 11 == 0 }),
            ("four", 4, population(4) { model, example in example < 40 || (example + model) % 9 == 0 }),
            ("one", 1, population(1) { _, example in example % 5 == 0 }),
        ]
        for (name, models, values) in populations {
            _ = try write(
                npy("<i8", shape: "(\(models), \(n))", payload: values.withUnsafeBytes { Data($0) }), to: "\(name).npy")
        }
        var cieCounts: [[String: Int]] = []
        for (order, out) in [("four.npy,one.npy", "sizes-a"), ("one.npy,four.npy", "sizes-b")] {
            let result = try loupe(
                "audit", "--baseline-predictions", "base.npy", "--compressed-predictions", order, "--out", out)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stdout.contains("one: class impact needs at least 2 models"), result.stdout)
            XCTAssertFalse(result.stdout.contains("four: class impact needs"), result.stdout)

            let summary = try json("\(out)/summary.json")
            XCTAssertEqual(summary["baseline_members"] as? Int, 5)
            XCTAssertTrue(summary["members_per_variant"] == nil || summary["members_per_variant"] is NSNull)
            let variants = Dictionary(
                uniqueKeysWithValues: (summary["variants"] as! [[String: Any]]).map { ($0["variant"] as! String, $0) })
            XCTAssertEqual(variants["four"]?["members"] as? Int, 4)
            XCTAssertEqual(variants["one"]?["members"] as? Int, 1)
            XCTAssertNil(variants["four"]?["class_analysis_skipped"] as? String)
            XCTAssertTrue(
                (variants["one"]?["class_analysis_skipped"] as? String)?.contains("'one' has 1 model") ?? false,
                "\(variants["one"] ?? [:])")
            cieCounts.append(variants.mapValues { $0["cie_count"] as! Int })

            let classRows = try String(
                contentsOf: workDirectory.appendingPathComponent("\(out)/classes.csv"), encoding: .utf8
            ).split(separator: "\r\n").dropFirst()
            XCTAssertEqual(classRows.filter { $0.hasPrefix("four,") }.count, 10, "one row per class for four")
            XCTAssertEqual(classRows.filter { $0.hasPrefix("one,") }.count, 0)
            let report = try String(
                contentsOf: workDirectory.appendingPathComponent("\(out)/report.html"), encoding: .utf8)
            XCTAssertTrue(report.contains("one") && report.contains("has 1 model; no per-class impact"))
        }
        XCTAssertEqual(cieCounts[0], cieCounts[1], "the order of the compressed files changes nothing")
        XCTAssertGreaterThanOrEqual(cieCounts[0]["four"] ?? 0, 40)
    }

    func testBadPredictionsAttributesAndVariants() throws {
        let n = try testLabels().count
        _ = try write(
            npy("<i8", shape: "(2, \(n))", payload: [Int64](repeating: 1, count: 2 * n).withUnsafeBytes { Data($0) }),
            to: "ok.npy")
        _ = try write(
            npy("<i8", shape: "(2, 7)", payload: [Int64](repeating: 1, count: 14).withUnsafeBytes { Data($0) }),
            to: "short.npy")
        _ = try write(
            npy("<i8", shape: "(2, \(n))", payload: [Int64](repeating: 12, count: 2 * n).withUnsafeBytes { Data($0) }),
            to: "range.npy")
        func audit(_ extra: String...) throws -> Result {
            try loupe(arguments: ["audit", "--baseline-predictions", "ok.npy", "--out", "bad"] + extra)
        }
        assertFailsCleanly(try audit("--compressed-predictions", "short.npy"), mentioning: ["short.npy"])
        assertFailsCleanly(try audit("--compressed-predictions", "range.npy"), mentioning: ["range.npy", "12"])
        _ = try write(Data("id,group\n999999,a\n".utf8), to: "attributes.csv")
        assertFailsCleanly(
            try audit("--compressed-predictions", "ok.npy", "--attributes", "attributes.csv"),
            mentioning: ["attributes.csv", "999999"])
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("bad").path), "nothing written")
        assertFailsCleanly(
            try loupe("audit", "--variants", "dense,prune:1.5", "--out", "x"), mentioning: ["prune:1.5", "sparsity"])
        assertFailsCleanly(
            try loupe("audit", "--variants", "dense,prune:0.5:sideways", "--out", "x"), mentioning: ["sideways"])
    }

    /// Labels of the mnist-5k test split in order, read back through `loupe eval`-free means:
    /// the CIE file of a BYO run with identical populations lists every id with its label.
    func testLabels() throws -> [Int] {
        if let cached = Self.cachedLabels { return cached }
        var ones: [Int64] = []
        for _ in 0..<1 { ones += [Int64](repeating: 0, count: 1000) }
        _ = try write(npy("<i8", shape: "(1, 1000)", payload: ones.withUnsafeBytes { Data($0) }), to: "zeros.npy")
        let run = try loupe(
            "audit", "--baseline-predictions", "zeros.npy", "--compressed-predictions", "zeros.npy", "--out", "labels")
        XCTAssertEqual(run.status, 0, run.stderr)
        let rows = try String(contentsOf: workDirectory.appendingPathComponent("labels/cie.csv"), encoding: .utf8)
            .split(separator: "\r\n").dropFirst().map { $0.split(separator: ",") }
        let labels = rows.sorted { Int($0[1])! < Int($1[1])! }.map { Int($0[2])! }
        try FileManager.default.removeItem(at: workDirectory.appendingPathComponent("labels"))
        Self.cachedLabels = labels
        return labels
    }
    nonisolated(unsafe) static var cachedLabels: [Int]?
}
