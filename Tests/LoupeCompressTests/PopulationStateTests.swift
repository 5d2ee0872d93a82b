import Foundation
import LoupeData
import LoupeNN
import XCTest

@testable import LoupeCompress

/// A population's saved members are reused on a resumed run only when their record and files
/// hold: an edited record, a file that is a link to a device, or predictions out of range are
/// refused by name (or the member trained again), never a hang or a trap.
final class PopulationStateTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-state-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func runner() throws -> (PopulationRunner, train: Dataset, evaluate: Dataset) {
        let splits = try DatasetLoader.load("mnist-5k")
        var training = TrainingConfiguration()
        training.epochs = 1
        training.batchSize = 50
        let spec = PopulationSpec(
            data: "mnist-5k",
            architecture: Architecture.builtin("mlp", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [8])!,
            training: training, members: 1, firstSeed: 3, variants: [])
        return (
            try PopulationRunner(spec: spec, directory: directory), splits.train.subset(Array(0..<200)),
            splits.test.subset(Array(0..<50))
        )
    }

    func testEditedMembersAreRefusedAndTrainedAgain() throws {
        let (runner, train, evaluate) = try runner()
        let first = try runner.run(train: train, evaluate: evaluate, threads: 1)
        let member = runner.memberDirectory(.dense, 0)
        XCTAssertNoThrow(try runner.verifiedRecord(in: member))

        // A link to /dev/zero: hashing it never ended.
        let model = member.appendingPathComponent("model.safetensors")
        let saved = try Data(contentsOf: model)
        try FileManager.default.removeItem(at: model)
        try FileManager.default.createSymbolicLink(atPath: model.path, withDestinationPath: "/dev/zero")
        XCTAssertThrowsError(try runner.verifiedRecord(in: member)) {
            XCTAssertTrue("\($0)".contains("not a regular file (a character device)"), "\($0)")
        }
        let again = try runner.run(train: train, evaluate: evaluate, threads: 1)
        XCTAssertEqual(again.records[.dense]?.first?.accuracy, first.records[.dense]?.first?.accuracy)
        XCTAssertEqual(try Data(contentsOf: model), saved)

        // A record that lists no files checked nothing.
        let recordURL = member.appendingPathComponent("member.json")
        let record = try String(contentsOf: recordURL, encoding: .utf8)
        let emptied = try XCTUnwrap(
            record.range(of: #""files"\s*:\s*\{[^}]*\}"#, options: .regularExpression).map {
                record.replacingCharacters(in: $0, with: #""files" : {}"#)
            })
        try Data(emptied.utf8).write(to: recordURL)
        XCTAssertThrowsError(try runner.verifiedRecord(in: member)) {
            XCTAssertTrue("\($0)".contains("does not list exactly the member's files"), "\($0)")
        }
    }

    /// A prediction of 2^40 trapped converting to Int32.
    func testPredictionsOutOfRangeAreRefused() throws {
        let (runner, train, evaluate) = try runner()
        _ = try runner.run(train: train, evaluate: evaluate, threads: 1)
        let member = runner.memberDirectory(.dense, 0)
        try NPYFile.write(
            Array(repeating: Int64(1) << 40, count: evaluate.count), shape: [evaluate.count],
            to: member.appendingPathComponent("predictions.npy"))
        XCTAssertThrowsError(try runner.loadPredictions(.dense, 0, count: evaluate.count)) {
            XCTAssertTrue("\($0)".contains("predictions or logits do not fit 50 examples of 10 classes"), "\($0)")
        }
        // A damaged file is named with its member's folder (every member has one of that name).
        try Data([0x93, 0x4E]).write(to: member.appendingPathComponent("predictions.npy"))
        XCTAssertThrowsError(try runner.loadPredictions(.dense, 0, count: evaluate.count)) {
            XCTAssertTrue("\($0)".hasPrefix(member.appendingPathComponent("predictions.npy").path + ": "), "\($0)")
        }
    }

    /// prune:0.501 and prune:0.504 are both prune-0.50: the second reused the first's members.
    func testVariantsThatWouldShareAFolderAreRefused() throws {
        let (runner, _, _) = try runner()
        var spec = runner.spec
        spec.variants = [
            try CompressionVariant(parsing: "prune:0.501"), try CompressionVariant(parsing: "prune:0.504"),
        ]
        XCTAssertThrowsError(try spec.validate()) {
            XCTAssertTrue(
                "\($0)".contains("variants 'prune:0.501' and 'prune:0.504' would share the folder prune-0.50"), "\($0)")
        }
        // Across runs into one folder: the first run's variant and the second's.
        spec.variants = [try CompressionVariant(parsing: "prune:0.501")]
        _ = try PopulationRunner(spec: spec, directory: directory)
        spec.variants = [try CompressionVariant(parsing: "prune:0.504")]
        XCTAssertThrowsError(try PopulationRunner(spec: spec, directory: directory)) {
            XCTAssertTrue("\($0)".contains("population.json: with the variants asked for: variants"), "\($0)")
        }
    }

    /// A dense member swapped for another network's checkpoint (its hash updated) was pruned
    /// and quantized as if it were the population's.
    func testADenseMemberOfOtherLayersIsRefused() throws {
        let (runner, train, evaluate) = try runner()
        _ = try runner.run(train: train, evaluate: evaluate, threads: 1)
        XCTAssertNoThrow(try runner.denseMember(0))
        let other = try Model(
            architecture: Architecture.builtin("mlp", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [16])!,
            seed: 1)
        try ModelCheckpoint(model: other).write(
            to: runner.memberDirectory(.dense, 0).appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try runner.denseMember(0)) {
            XCTAssertTrue("\($0)".contains("has other layers than the population's mlp as recorded"), "\($0)")
        }
    }

    /// population.json as a folder printed Foundation's whole error dump.
    func testAPopulationSpecThatIsNotAFileIsNamed() throws {
        let (runner, _, _) = try runner()
        let specURL = directory.appendingPathComponent("population.json")
        try FileManager.default.removeItem(at: specURL)
        try FileManager.default.createDirectory(at: specURL, withIntermediateDirectories: true)
        XCTAssertThrowsError(try PopulationRunner(spec: runner.spec, directory: directory)) {
            XCTAssertEqual("\($0)", specURL.path + ": not a regular file (a directory)")
        }
    }
}
