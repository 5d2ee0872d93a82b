import Foundation
import LoupeData
import LoupeNN
import XCTest

@testable import LoupeCompress

/// The `seed-control` variant: the dense recipe retrained from the seeds after the dense
/// members', so that its CIEs against the baseline measure two trainings, not compression.
final class SeedControlTests: XCTestCase {
    func testParsingAndNames() throws {
        let control = try CompressionVariant(parsing: "seed-control")
        XCTAssertEqual(control, .seedControl)
        XCTAssertEqual(control.name, "seed-control")
        XCTAssertEqual(try CompressionVariant(parsing: control.specification), control)
        XCTAssertTrue(control.isTrained)
        XCTAssertEqual(control.sparsity, 0)
        XCTAssertThrowsError(try CompressionVariant(parsing: "seed-control:2"))
    }

    /// Members of a seed control with seeds 5 + 2 and 5 + 3 are the dense members of a population
    /// whose first seed is 7, byte for byte, and differ from the baseline's own.
    func testControlMembersAreDenseMembersOfTheNextSeeds() throws {
        let splits = try DatasetLoader.load("mnist-5k")
        let train = splits.train.subset(Array(stride(from: 0, to: splits.train.count, by: 10)))
        let evaluate = splits.test.subset(Array(0..<100))
        var training = TrainingConfiguration()
        training.epochs = 1
        training.batchSize = 50
        let architecture = Architecture.builtin("mlp", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [16])!
        func members(firstSeed: UInt64, variants: [CompressionVariant], of variant: CompressionVariant) throws -> [Data]
        {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "loupe-seed-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let spec = PopulationSpec(
                data: "mnist-5k", architecture: architecture, training: training, members: 2, firstSeed: firstSeed,
                variants: variants)
            _ = try PopulationRunner(spec: spec, directory: directory).run(train: train, evaluate: evaluate, threads: 2)
            return try (0..<2).map {
                try Data(contentsOf: directory.appendingPathComponent("\(variant.name)/00\($0)/model.safetensors"))
            }
        }
        let baseline = try members(firstSeed: 5, variants: [.seedControl], of: .dense)
        let control = try members(firstSeed: 5, variants: [.seedControl], of: .seedControl)
        let nextSeeds = try members(firstSeed: 7, variants: [], of: .dense)
        XCTAssertEqual(control, nextSeeds)
        XCTAssertNotEqual(control[0], baseline[0])
        XCTAssertNotEqual(control[1], baseline[1])
    }

    /// Given models have no training recipe to retrain from: a seed control is refused.
    func testRefusedWithGivenModels() throws {
        let architecture = Architecture.builtin("mlp", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [16])!
        var spec = PopulationSpec(
            data: "mnist-5k", architecture: architecture, training: TrainingConfiguration(), members: 1, firstSeed: 0,
            variants: [.seedControl])
        spec.baseModels = [String(repeating: "0", count: 64)]
        XCTAssertThrowsError(try spec.validate()) { error in
            XCTAssertTrue("\(error)".contains("seed-control"), "\(error)")
        }
    }
}
