import Foundation
import XCTest

/// The audit's speed frontier: each population's inference kernels timed, the fastest chosen
/// and recorded, speed-up and size against disparity (variants.csv, latency.json,
/// frontier.html), kept apart from the reproducible results as measurements.
final class AuditFrontierTests: CLITestCase {
    let tiny = ["--model", "mlp", "--hidden", "16", "--members", "3", "--epochs", "1"]

    func text(_ path: String) throws -> String {
        try String(contentsOf: workDirectory.appendingPathComponent(path), encoding: .utf8)
    }

    func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: workDirectory.appendingPathComponent(path)))
            as! [String: Any]
    }

    func testFrontierOfPrunedAndQuantizedPopulations() throws {
        let run = try loupe(
            arguments: ["audit"] + tiny + [
                "--variants", "dense,prune:0.9,int8-full,float16,oneshot-filters:0.5", "--latency-runs", "3", "--out",
                "a",
            ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("latency prune-0.90: dense"), run.stdout)

        // latency.json: the candidates each population can run on, timed at batch 1 and 128.
        let latency = try json("a/latency.json")
        let variants = try XCTUnwrap(latency["variants"] as? [[String: Any]])
        XCTAssertEqual(
            variants.map { $0["variant"] as! String },
            ["dense", "prune-0.90", "int8-full", "float16", "oneshot-filters-0.50-ft1"])
        let kernels = variants.map { ($0["candidates"] as! [[String: Any]]).map { $0["kernel"] as! String } }
        XCTAssertEqual(kernels, [["dense"], ["dense", "sparse"], ["integer"], ["dense"], ["dense"]])
        var chosen: [String: String] = [:]
        for variant in variants {
            let candidates = variant["candidates"] as! [[String: Any]]
            let medians = candidates.map { candidate -> Double in
                let latencies = candidate["latencies"] as! [[String: Any]]
                XCTAssertEqual(latencies.map { $0["batch"] as! Int }, [1, 128])
                XCTAssertEqual(latencies.map { $0["runs"] as! Int }, [3, 3])
                XCTAssertEqual(candidate["agreement"] as! Double, 1, accuracy: 0.05, "same weights, same classes")
                return latencies[1]["median_seconds"] as! Double
            }
            let fastest = candidates[medians.firstIndex(of: medians.min()!)!]["kernel"] as! String
            XCTAssertEqual(variant["chosen"] as? String, fastest, "the fastest at batch 128 is chosen")
            chosen[variant["variant"] as! String] = fastest
        }

        // The manifest records the choice, and lists the three measured files apart from the outputs.
        let manifest = try json("a/manifest.json")
        XCTAssertEqual(manifest["inferenceKernels"] as? [String: String], chosen)
        let measured = (manifest["measurements"] as! [[String: Any]]).map { $0["path"] as! String }
        XCTAssertEqual(Set(measured), ["variants.csv", "latency.json", "frontier.html"])
        let outputs = Set((manifest["outputs"] as! [[String: Any]]).map { $0["path"] as! String })
        XCTAssertTrue(outputs.isDisjoint(with: measured))
        XCTAssertTrue(outputs.isSuperset(of: ["summary.json", "report.html", "cie.csv"]))

        // variants.csv: a row per population with size, accuracy over members, disparity and speed.
        let rows = try text("a/variants.csv").split(separator: "\r\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let header = rows[0]
        XCTAssertEqual(
            header,
            [
                "variant", "members", "sparsity", "size_on_disk_bytes", "size_vs_dense", "accuracy",
                "accuracy_ci95_low", "accuracy_ci95_high", "cie_count", "cie_fraction", "accuracy_on_cie_dense",
                "accuracy_on_cie_compressed", "accuracy_drop_on_cie", "impacted_classes", "kernel", "latency_batch1_ms",
                "latency_batch128_ms", "speedup_batch1", "speedup_batch128",
            ])
        let byVariant = Dictionary(uniqueKeysWithValues: rows.dropFirst().map { ($0[0], $0) })
        func cell(_ variant: String, _ column: String) -> String { byVariant[variant]![header.firstIndex(of: column)!] }
        XCTAssertEqual(
            Set(byVariant.keys), ["dense", "prune-0.90", "int8-full", "float16", "oneshot-filters-0.50-ft1"])
        XCTAssertEqual(cell("dense", "speedup_batch128"), "1.0")
        XCTAssertEqual(cell("dense", "size_vs_dense"), "1.0")
        XCTAssertEqual(cell("dense", "cie_count"), "")
        let summary = try json("a/summary.json")
        for entry in summary["variants"] as! [[String: Any]] {
            let name = entry["variant"] as! String
            XCTAssertEqual(Int(cell(name, "cie_count")), entry["cie_count"] as? Int)
            XCTAssertEqual(Int(cell(name, "size_on_disk_bytes")), entry["size_on_disk_bytes"] as? Int)
            XCTAssertEqual(cell(name, "kernel"), chosen[name])
            // The speed-up is the dense population's median over this one's, at each batch.
            let ms = { (variant: String, batch: String) in Double(cell(variant, "latency_batch\(batch)_ms"))! }
            XCTAssertEqual(
                Double(cell(name, "speedup_batch128"))!, ms("dense", "128") / ms(name, "128"), accuracy: 1e-9)
            XCTAssertEqual(Double(cell(name, "speedup_batch1"))!, ms("dense", "1") / ms(name, "1"), accuracy: 1e-9)
            // The accuracy is the mean over the members, within its interval.
            let (mean, low, high) = (
                Double(cell(name, "accuracy"))!, Double(cell(name, "accuracy_ci95_low"))!,
                Double(cell(name, "accuracy_ci95_high"))!
            )
            XCTAssertEqual(mean, entry["compressed_accuracy"] as! Double, accuracy: 0.02, "mean vs population accuracy")
            XCTAssertTrue(low <= mean && mean <= high)
        }
        XCTAssertLessThan(Double(cell("int8-full", "size_vs_dense"))!, 0.35)
        XCTAssertLessThan(Double(cell("oneshot-filters-0.50-ft1", "size_vs_dense"))!, 0.6, "a smaller network")

        // frontier.html: both charts, a labelled point per compressed population, and the kernel table.
        let frontier = try text("a/frontier.html")
        XCTAssertTrue(frontier.contains("Disparity against measured speed-up (batch 128)"))
        XCTAssertTrue(frontier.contains("Disparity against size on disk"))
        for variant in ["prune-0.90", "int8-full", "float16", "oneshot-filters-0.50-ft1"] {
            // CIE fraction in both charts; accuracy on CIEs too when there are CIEs.
            let points = 2 + (Int(cell(variant, "cie_count"))! > 0 ? 2 : 0)
            XCTAssertEqual(
                frontier.components(separatedBy: "class=\"point-label\"").dropFirst().filter {
                    $0.contains(">\(variant)</text>")
                }.count, points, variant)
            // Each variant's rows of the tables name it in its own <bdi> (a name a user can choose).
            XCTAssertTrue(frontier.contains("<tr><td><bdi>\(variant)</bdi></td><td class=\"numeric\">"), variant)
        }
        XCTAssertTrue(try text("a/report.html").contains("frontier.html"))

        // The measurements are hashed like outputs: an edited latency.json fails verify.
        XCTAssertEqual(try loupe("verify", "a").status, 0)
        let url = workDirectory.appendingPathComponent("a/latency.json")
        try Data(
            try text("a/latency.json").replacingOccurrences(
                of: "\"chosen\" : \"dense\"", with: "\"chosen\" : \"sparse\""
            ).utf8
        ).write(to: url)
        let edited = try loupe("verify", "a")
        XCTAssertEqual(edited.status, 1, edited.stdout + edited.stderr)
        XCTAssertTrue(edited.stdout.contains("latency.json"), edited.stdout)
    }

    /// With a seed control, variants.csv gives each CIE fraction above the control's, and every
    /// row the drop of accuracy on its CIEs.
    func testSeedControlColumns() throws {
        let run = try loupe(
            arguments: ["audit"] + tiny + [
                "--variants", "dense,seed-control,prune:0.9", "--latency-runs", "0", "--out", "s",
            ])
        XCTAssertEqual(run.status, 0, run.stderr)
        let rows = try text("s/variants.csv").split(separator: "\r\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let header = rows[0]
        XCTAssertEqual(header.last, "cie_fraction_above_seed_control")
        let byVariant = Dictionary(uniqueKeysWithValues: rows.dropFirst().map { ($0[0], $0) })
        XCTAssertEqual(Set(byVariant.keys), ["dense", "seed-control", "prune-0.90"])
        func value(_ variant: String, _ column: String) throws -> Double {
            try XCTUnwrap(Double(byVariant[variant]![header.firstIndex(of: column)!]), "\(variant) \(column)")
        }
        let control = try value("seed-control", "cie_fraction")
        XCTAssertGreaterThan(control, 0, "independently trained members disagree somewhere")
        XCTAssertEqual(try value("seed-control", "cie_fraction_above_seed_control"), 0)
        XCTAssertEqual(
            try value("prune-0.90", "cie_fraction_above_seed_control"),
            try value("prune-0.90", "cie_fraction") - control, accuracy: 1e-12)
        for variant in ["seed-control", "prune-0.90"] {
            XCTAssertEqual(
                try value(variant, "accuracy_drop_on_cie"),
                try value(variant, "accuracy_on_cie_dense") - value(variant, "accuracy_on_cie_compressed"),
                accuracy: 1e-12)
        }
        XCTAssertEqual(byVariant["dense"]![header.firstIndex(of: "cie_fraction_above_seed_control")!], "")
    }

    /// `--latency-runs 0` times nothing: variants.csv is then an ordinary output without
    /// speed columns, and there is no latency.json, frontier.html or kernel record.
    func testNoLatencyMeasurement() throws {
        let run = try loupe(
            arguments: ["audit"] + tiny + ["--variants", "dense,int8-channel", "--latency-runs", "0", "--out", "n"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("n/latency.json").path))
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("n/frontier.html").path))
        let header = try XCTUnwrap(try text("n/variants.csv").split(separator: "\r\n").first)
        XCTAssertFalse(header.contains("kernel"))
        let manifest = try json("n/manifest.json")
        XCTAssertNil(manifest["measurements"])
        XCTAssertNil(manifest["inferenceKernels"])
        XCTAssertTrue((manifest["outputs"] as! [[String: Any]]).contains { $0["path"] as? String == "variants.csv" })
        XCTAssertFalse(try text("n/report.html").contains("frontier.html"))
        assertFailsCleanly(
            try loupe(arguments: ["audit"] + tiny + ["--latency-runs=-1", "--out", "bad"]),
            mentioning: ["--latency-runs", "-1"])
    }
}
