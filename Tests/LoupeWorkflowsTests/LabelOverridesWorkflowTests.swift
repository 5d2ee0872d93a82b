import Foundation
import LoupeData
import LoupeNN
import LoupeWorkflows
import XCTest

final class LabelOverridesWorkflowTests: WorkflowTestCase {
    /// Writes an override file and returns the data source using it.
    func overriding(_ data: DataSource, with text: String, name: String = "fix.csv") throws -> DataSource {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        var source = data
        source.labelOverrides = url
        return source
    }

    /// The input records of a run folder's manifest, by file name.
    func manifestInputs(_ output: URL) throws -> [String: String] {
        let manifest =
            try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("manifest.json")))
            as! [String: Any]
        var inputs: [String: String] = [:]
        for record in manifest["inputs"] as! [[String: Any]] {
            inputs[URL(fileURLWithPath: record["path"] as! String).lastPathComponent] = record["sha256"] as? String
        }
        return inputs
    }

    /// An audit of given predictions on mnist-5k evaluates the corrected test labels: they
    /// differ from the plain audit's exactly at the overridden ids (one override keeps its
    /// label and changes nothing), cie.csv's true labels follow, and the manifest lists the
    /// file with its SHA-256 (reference: Python's hashlib over the same text).
    func testAnAuditEvaluatesTheCorrectedLabels() throws {
        let plain = DataSource(data: "mnist-5k")
        let test = try plain.load().splits.test
        let picked = [0, 1, 500, test.count - 1].map { test.ids[$0] }
        let labels = [0, 1, 500, test.count - 1].map { test.labels[$0] }
        let newLabels = [(labels[0] + 1) % 10, (labels[1] + 3) % 10, labels[2], (labels[3] + 9) % 10]
        var text = "id,label\n"
        for (id, label) in zip(picked, newLabels) { text += "\(id),\(label)\n" }
        let corrected = try overriding(plain, with: text)
        XCTAssertEqual(try corrected.load().overriddenLabels, 3)

        var predictions = "model,id,label\n"
        for id in test.ids { predictions += "m0,\(id),0\nm1,\(id),1\n" }
        let predictionsURL = folder.appendingPathComponent("base.csv")
        try Data(predictions.utf8).write(to: predictionsURL)
        let external = AuditWorkflow.ExternalPredictions(baseline: predictionsURL, compressed: [predictionsURL])
        var evaluated: [[Int32]] = []
        var trueLabels: [[String]] = []
        for (name, source) in [("plain", plain), ("corrected", corrected)] {
            let output = folder.appendingPathComponent(name)
            var configuration = AuditWorkflow.Configuration(
                data: source,
                population: PopulationRecipe(model: ModelRecipe(model: "mlp"), variants: [.dense], threads: 1),
                output: output)
            configuration.predictions = external
            let result = try AuditWorkflow(configuration).run(progress: SilentProgress())
            XCTAssertEqual(result.evaluated.ids, test.ids)
            evaluated.append(result.evaluated.labels)
            _ = try result.write(to: output)
            let rows = try csvRows(output.appendingPathComponent("cie.csv"))
            let column = rows[0].firstIndex(of: "true_label")!
            trueLabels.append(rows.dropFirst().map { $0[column] })
        }
        let differing = test.ids.indices.filter { evaluated[0][$0] != evaluated[1][$0] }.map { test.ids[$0] }
        XCTAssertEqual(differing, [picked[0], picked[1], picked[3]])
        for (id, label) in zip(picked, newLabels) {
            XCTAssertEqual(evaluated[1][test.ids.firstIndex(of: id)!], label)
        }
        XCTAssertEqual(trueLabels[1], evaluated[1].map(String.init))
        XCTAssertNotEqual(trueLabels[0], trueLabels[1])

        let inputs = try manifestInputs(folder.appendingPathComponent("corrected"))
        let reference = try String(decoding: pythonSHA256(of: folder.appendingPathComponent("fix.csv")), as: UTF8.self)
        XCTAssertEqual(inputs["fix.csv"], reference.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertNil(try manifestInputs(folder.appendingPathComponent("plain"))["fix.csv"])
    }

    /// Training on corrected labels records the file as an input; the overrides apply before
    /// label noise, so the flipped labels' originals are the corrected ones.
    func testTrainingRecordsTheFileAndNoiseStartsFromTheCorrections() throws {
        let data = try syntheticData(classes: 3, perClass: 10)
        let corrected = try overriding(data, with: "id,label\n0,2\n1,0\n")
        let loaded = try corrected.load()
        let all = loaded.splits.train.ids + loaded.splits.test.ids
        XCTAssertTrue(all.contains(0) && all.contains(1))
        XCTAssertEqual(loaded.overriddenLabels, 2)
        for (id, label) in [(0, Int32(2)), (1, Int32(0))] {
            if let position = loaded.splits.train.ids.firstIndex(of: id) {
                XCTAssertEqual(loaded.splits.train.labels[position], label)
            } else {
                XCTAssertEqual(loaded.splits.test.labels[loaded.splits.test.ids.firstIndex(of: id)!], label)
            }
        }

        var noisy = corrected
        noisy.labelNoise = 1
        let flipped = try noisy.load()
        for label in flipped.flippedLabels {
            let position = loaded.splits.train.ids.firstIndex(of: label.id)!
            XCTAssertEqual(label.original, loaded.splits.train.labels[position])
        }

        var training = TrainingConfiguration()
        (training.epochs, training.batchSize, training.threads) = (1, 16, 1)
        let output = folder.appendingPathComponent("train")
        let result = try TrainWorkflow(
            .init(data: corrected, model: "mlp", hidden: "4", training: training, output: output)
        ).run(progress: SilentProgress())
        _ = try result.write(to: result.folder)
        XCTAssertNotNil(try manifestInputs(output)["fix.csv"])
    }

    /// The data description names the file by its content: the same corrections under another
    /// name describe the same data, other corrections other data (so a population is not
    /// resumed with members trained on other labels).
    func testTheDescriptionFollowsTheFileContent() throws {
        let plain = DataSource(data: "mnist-5k")
        let a = try overriding(plain, with: "id,label\n3,1\n", name: "a.csv")
        let b = try overriding(plain, with: "id,label\n3,1\n", name: "b.csv")
        let c = try overriding(plain, with: "id,label\n3,2\n", name: "c.csv")
        // Reference: hashlib.sha256(b'id,label\n3,1\n').hexdigest()[:16]
        XCTAssertEqual(a.description, "mnist-5k; label overrides sha256 6aac4a9689db6e12")
        XCTAssertEqual(a.description, b.description)
        XCTAssertNotEqual(a.description, c.description)
        XCTAssertEqual(plain.description, "mnist-5k")
    }

    /// A population resumed with a different override file is refused, not mixed.
    func testAPopulationIsNotResumedWithOtherCorrections() throws {
        let data = try syntheticData(classes: 2, perClass: 10)
        var population = PopulationRecipe(
            model: ModelRecipe(model: "mlp", hidden: "4", epochs: 1), variants: [.dense], threads: 1)
        population.members = 1
        let output = folder.appendingPathComponent("population")
        let first = try overriding(data, with: "id,label\n0,1\n", name: "fix.csv")
        _ = try PopulationWorkflow(.init(data: first, population: population, output: output))
            .run(progress: SilentProgress())
        _ = try overriding(data, with: "id,label\n0,0\n", name: "fix.csv")
        XCTAssertThrowsError(
            try PopulationWorkflow(.init(data: first, population: population, output: output))
                .run(progress: SilentProgress())
        ) { error in
            XCTAssertTrue("\(error)".contains("describes a different population"), "\(error)")
        }
    }

    /// `python3 -c hashlib` over a file: an independent SHA-256.
    func pythonSHA256(of url: URL) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c", "import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest())",
            url.path,
        ]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }
}
