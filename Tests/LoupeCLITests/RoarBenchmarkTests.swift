import Foundation
import XCTest

final class RoarBenchmarkTests: CLITestCase {
    /// A screening-size run: mlp, one epoch, two fractions, 300 + 100 images.
    func tinyRun(out: String, threads: String = "2") -> [String] {
        [
            "benchmark", "roar", "--model", "mlp", "--hidden", "16", "--epochs", "1", "--retrains", "2",
            "--fractions", "50,10", "--methods", "gradient,random,blurred-random", "--train-limit", "300",
            "--test-limit", "100", "--threads", threads, "--out", out,
        ]
    }

    func text(_ path: String) throws -> String {
        try String(contentsOf: workDirectory.appendingPathComponent(path), encoding: .utf8)
    }

    func rows(_ path: String) throws -> [[String]] {
        try text(path).split(separator: "\r\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
    }

    /// Every output is written and consistent; an interrupted run resumes to a byte-identical
    /// roar.csv; another thread count gives the same roar.csv.
    func testTinyRunWritesResultsAndResumesIdentically() throws {
        let result = try loupe(arguments: tinyRun(out: "r"))
        XCTAssertEqual(result.status, 0, result.stderr)
        let table = try rows("r/roar.csv")
        XCTAssertEqual(
            table[0], ["method", "fraction", "mode", "mean_accuracy", "std_accuracy", "retrains", "accuracies"])
        XCTAssertEqual(table.count, 1 + 1 + 3 * 2 * 2)
        XCTAssertEqual(Array(table[1][0...2]), ["unmodified", "0", "none"])
        XCTAssertEqual(
            table.dropFirst(2).map { "\($0[0]) \($0[1]) \($0[2])" }.prefix(4),
            [
                "gradient 10 roar", "gradient 10 kar", "gradient 50 roar", "gradient 50 kar",
            ])
        for row in table.dropFirst(2) {
            let accuracies = row[6].split(separator: ";").map { Double($0)! }
            XCTAssertEqual(accuracies.count, 2)
            XCTAssertEqual(row[5], "2")
            let mean = accuracies.reduce(0, +) / 2
            XCTAssertEqual(Double(row[3])!, mean, accuracy: 1e-12)
            // sample standard deviation of two values: |a - b| / sqrt 2
            XCTAssertEqual(Double(row[4])!, abs(accuracies[0] - accuracies[1]) / 2.0.squareRoot(), accuracy: 1e-12)
        }
        let ranking = try rows("r/ranking.csv")
        XCTAssertEqual(Set(ranking.dropFirst().map { $0[0] }), ["gradient", "random", "blurred-random"])
        XCTAssertTrue(ranking[0].contains("roar_beats_random_beyond_spread"))
        for chart in ["r/roar.svg", "r/kar.svg"] {
            let svg = try text(chart)
            XCTAssertTrue(svg.hasPrefix("<svg") && svg.contains("blurred-random"), chart)
        }
        let summary = try JSONSerialization.jsonObject(with: Data(text("r/summary.json").utf8)) as! [String: Any]
        XCTAssertEqual(summary["retrains"] as? Int, 24)
        XCTAssertEqual(summary["recordedTrainingImages"] as? Int, 24 * 300)
        // Timings are in the manifest, not in summary.json or the records.
        XCTAssertNil(summary["wallSeconds"])
        let manifest =
            try JSONSerialization.jsonObject(with: Data(text("r/manifest.json").utf8)) as! [String: Any]
        let phases = try XCTUnwrap(manifest["phaseSeconds"] as? [String: Double])
        XCTAssertNotNil(phases["retraining"])
        XCTAssertEqual(phases.keys.filter { $0.hasPrefix("gradient roar-10 #") }.count, 2, "\(phases.keys)")
        XCTAssertFalse(try text("r/cells/gradient/kar-50/retrain-001.json").contains("seconds"))
        XCTAssertTrue(result.stdout.contains("training images/s"), result.stdout)
        XCTAssertTrue(result.stdout.contains("beats random"), result.stdout)
        XCTAssertTrue(
            FileManager.default.fileExists(
                atPath: workDirectory.appendingPathComponent("r/cells/gradient/kar-50/retrain-001.json").path))
        XCTAssertEqual(try loupe("verify", "r").status, 0)
        let rerun = try loupe("verify", "--rerun", "r")
        XCTAssertEqual(rerun.status, 0, rerun.stdout + rerun.stderr)
        XCTAssertTrue(rerun.stdout.contains("identical  cells/gradient/kar-50/retrain-001.json"), rerun.stdout)

        // Interrupt: some retrains never finished, one map cache lost.
        let original = try text("r/roar.csv")
        for path in [
            "r/cells/gradient/roar-10/retrain-001.json", "r/cells/random/kar-50", "r/maps/blurred-random/maps.json",
        ] {
            try FileManager.default.removeItem(at: workDirectory.appendingPathComponent(path))
        }
        let resumed = try loupe(arguments: tinyRun(out: "r"))
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("21 verified and reused, 3 to train"), resumed.stdout)
        XCTAssertEqual(try text("r/roar.csv"), original)

        let single = try loupe(arguments: tinyRun(out: "single", threads: "1"))
        XCTAssertEqual(single.status, 0, single.stderr)
        XCTAssertEqual(try text("single/roar.csv"), original)
        // summary.json does not depend on the thread count (the manifest records it).
        XCTAssertEqual(try text("single/summary.json"), try text("r/summary.json"))
    }

    /// Bad options fail with one error line naming the option, and write nothing.
    func testBadInputFailsCleanlyAndWritesNothing() throws {
        let cases: [([String], [String])] = [
            (["--methods", "gradient,telepathy"], ["--methods", "telepathy"]),
            (["--fractions", "0,50"], ["--fractions", "0"]),
            (["--fractions", "10,100"], ["--fractions", "100"]),
            (["--fractions", "ten"], ["--fractions", "ten"]),
            (["--retrains", "0"], ["--retrains"]),
            (["--modes", "roar,remove"], ["--modes", "remove"]),
            (["--threads", "0"], ["--threads"]),
            (["--methods", "smoothgrad(integrated-gradients", "--steps", "4"], ["--methods", "parenthes"]),
            (["--methods", "integrated-gradients", "--steps", "0"], ["--steps"]),
        ]
        for (options, fragments) in cases {
            let result = try loupe(
                arguments: ["benchmark", "roar", "--methods", "random"] + options + ["--out", "bad"])
            assertFailsCleanly(result, mentioning: fragments)
            XCTAssertFalse(
                FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("bad").path),
                "\(options) wrote output")
        }
    }
}
