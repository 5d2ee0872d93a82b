import Foundation
import LoupeWorkflows
import XCTest

final class AuditWorkflowTests: WorkflowTestCase {
    /// A trained audit of a dense and a pruned population: the summary written agrees with
    /// the analyses, every evaluated example has a row per variant, and a second run in
    /// another folder writes the same bytes.
    func testTrainedAuditIsDeterministicAndMatchesItsFiles() throws {
        let data = try syntheticData(classes: 3)
        var population = PopulationRecipe(
            model: ModelRecipe(model: "mlp", hidden: "8", epochs: 1),
            variants: try PopulationRecipe.variants(parsing: "dense,prune:0.5"), threads: 2)
        population.members = 2
        var written: [[String: Data]] = []
        for name in ["a", "b"] {
            let output = folder.appendingPathComponent(name)
            let progress = RecordedProgress()
            let before = Date()
            let result = try AuditWorkflow(.init(data: data, population: population, output: output))
                .run(progress: progress)
            let trained = Date()
            XCTAssertEqual(result.analyses.map(\.variant), ["prune-0.50"])
            XCTAssertEqual(progress.lines.filter { $0.contains(" #") }.count, 4, "\(progress.lines)")
            XCTAssertEqual(
                try result.write(to: output),
                [
                    "cie.csv", "cie.jsonl", "classes.csv", "summary.json", "report.html", "variants.csv",
                    "latency.json",
                    "frontier.html",
                ])
            // The manifest's run began with the audit, before its populations were trained.
            let manifest =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: output.appendingPathComponent("manifest.json"))) as! [String: Any]
            let started = try XCTUnwrap(ISO8601DateFormatter().date(from: manifest["startedAt"] as! String))
            XCTAssertLessThanOrEqual(started.timeIntervalSince(before), 1, "whole seconds in the manifest")
            XCTAssertGreaterThanOrEqual(manifest["wallSeconds"] as! Double, trained.timeIntervalSince(before) * 0.99)
            let summary =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: output.appendingPathComponent("summary.json"))) as! [String: Any]
            let variant = (summary["variants"] as! [[String: Any]])[0]
            XCTAssertEqual(variant["cie_count"] as? Int, result.analyses[0].impact.cieCount)
            XCTAssertEqual(summary["examples"] as? Int, result.evaluated.count)
            XCTAssertEqual(try csvRows(output.appendingPathComponent("cie.csv")).count, result.evaluated.count + 1)
            // The size column is the first member's file.
            func member(_ variant: String) -> URL {
                output.appendingPathComponent("population/\(variant)/000/model.safetensors")
            }
            func bytes(_ url: URL) throws -> Int { try Data(contentsOf: url).count }
            XCTAssertEqual(variant["size_on_disk_bytes"] as? Int, try bytes(member("prune-0.50")))
            XCTAssertEqual(summary["baseline_size_on_disk_bytes"] as? Int, try bytes(member("dense")))
            // The latencies measure the machine: they are the files a second run does not repeat.
            written.append(
                try outputFiles(output).filter { !["variants.csv", "latency.json", "frontier.html"].contains($0.key) })
        }
        XCTAssertEqual(written[0], written[1])
        XCTAssertEqual(
            written[0].keys.filter { $0.hasPrefix("population/") && $0.hasSuffix("model.safetensors") }.count, 4)
    }

    /// A configuration with no compressed variant is refused before anything is trained.
    func testADensePopulationAloneIsRefused() throws {
        let data = try syntheticData(classes: 2, perClass: 10)
        let output = folder.appendingPathComponent("dense")
        let population = PopulationRecipe(model: ModelRecipe(model: "mlp", hidden: "4"), variants: [.dense], threads: 1)
        XCTAssertThrowsError(
            try AuditWorkflow(.init(data: data, population: population, output: output)).run(progress: SilentProgress())
        ) {
            XCTAssertEqual(
                $0 as? OptionError, OptionError("--variants needs at least one compressed variant besides dense"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }
}
