import Foundation
import LoupeNN
import LoupeRandom
import LoupeTensor
import XCTest

@testable import LoupeCompress

/// A magnitude-pruned model's checkpoint shrinks with its sparsity (the audit's size column is
/// the file's size) and loads back bit for bit.
final class PrunedCheckpointTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-pruned-ckpt-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    private func size(_ url: URL) throws -> Int { try Data(contentsOf: url).count }

    /// The MNIST-sized `cnn` (1.7 MB dense), pruned by the default policy (first layer dense,
    /// last capped at 80%): at 90% the file is under 0.4x the dense one, at 50% under 0.7x.
    func testAPrunedCNNCheckpointIsSmallerThanTheDenseOne() throws {
        let model = try Model(architecture: .builtin("cnn", inputShape: [1, 28, 28], classes: 10)!, seed: 3)
        let dense = directory.appendingPathComponent("dense.safetensors")
        try ModelCheckpoint(model: model, dataset: "mnist-5k").write(to: dense)
        var sizes: [Double: Int] = [:]
        for sparsity in [0.5, 0.9] {
            var generator = SeededGenerator(seed: 4)
            let masks = try MagnitudePruner.masks(
                for: model, sparsity: sparsity, policy: PruningPolicy(), generator: &generator)
            var pruned = model
            masks.apply(to: &pruned)
            let url = directory.appendingPathComponent("pruned-\(sparsity).safetensors")
            try ModelCheckpoint(model: pruned, dataset: "mnist-5k", masks: masks.masks).write(to: url)
            sizes[sparsity] = try size(url)

            let loaded = try ModelCheckpoint(contentsOf: url)
            for (name, tensor) in pruned.parameters {
                XCTAssertEqual(
                    loaded.model.parameters[name]?.scalars.map(\.bitPattern), tensor.scalars.map(\.bitPattern), name)
            }
            XCTAssertEqual(loaded.masks, masks.masks)
            XCTAssertEqual(PruningMasks(masks: loaded.masks), masks)
        }
        let denseSize = try size(dense)
        XCTAssertGreaterThan(denseSize, 1_600_000)
        XCTAssertLessThan(Double(sizes[0.5]!), 0.7 * Double(denseSize))
        XCTAssertLessThan(Double(sizes[0.9]!), 0.4 * Double(denseSize))
    }
}
