import LoupeCompress
import LoupeKernels
import LoupeNN
import LoupeRandom
import LoupeTensor
import XCTest

final class SparseInferenceTests: XCTestCase {
    func randomImages(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in generator.nextUniform() })
    }

    func worstDifference(_ a: Tensor, _ b: Tensor) -> Float {
        XCTAssertEqual(a.shape, b.shape)
        return zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
    }

    func testMagnitudePruningKeepsTheLargestWeightsPerTensor() throws {
        let model = try Model(
            architecture: Architecture.builtin("mlp", inputShape: [1, 28, 28], classes: 10)!, seed: 1)
        let pruned = SparseInference.magnitudePruned(model, sparsity: 0.9)
        for (name, role) in model.parameterRoles {
            let before = model.parameters[name]!.scalars
            let after = pruned.parameters[name]!.scalars
            guard role == .weight else {
                XCTAssertEqual(after, before, "\(name) must not be pruned")
                continue
            }
            let kept = after.indices.filter { after[$0] != 0 }
            XCTAssertEqual(kept.count, Int((Double(before.count) * 0.1).rounded()), name)
            let smallestKept = kept.map { abs(before[$0]) }.min()!
            let largestDropped = before.indices.filter { after[$0] == 0 }.map { abs(before[$0]) }.max()!
            XCTAssertGreaterThanOrEqual(smallestKept, largestDropped, name)
            for index in kept { XCTAssertEqual(after[index], before[index]) }
        }
    }

    func testPruningTiesGoToTheLowerIndex() throws {
        let architecture = Architecture(
            name: "tiny", inputShape: [4], layers: [.linear(name: nil, outputFeatures: 1, bias: false)])
        let model = try Model(
            architecture: architecture, parameters: ["fc1.weight": Tensor(shape: [1, 4], scalars: [1, -2, 2, 2])],
            buffers: [:])
        let pruned = SparseInference.magnitudePruned(model, sparsity: 0.5)
        XCTAssertEqual(pruned.parameters["fc1.weight"]!.scalars, [0, -2, 2, 0])
    }

    func testPrunedMLPLogitsMatchDenseModel() throws {
        let model = try Model(
            architecture: Architecture.builtin("mlp", inputShape: [1, 28, 28], classes: 10)!, seed: 7)
        let images = randomImages([37, 1, 28, 28], seed: 3)
        for sparsity in [0.0, 0.5, 0.9, 0.95] {
            let pruned = SparseInference.magnitudePruned(model, sparsity: sparsity)
            let sparse = SparseInference(model: pruned, maximumDensity: 1)
            let (nonzero, dense) = sparse.linearMultiplyAdds
            XCTAssertEqual(dense, 784 * 256 + 256 * 128 + 128 * 10)
            XCTAssertEqual(Double(nonzero) / Double(dense), 1 - sparsity, accuracy: 1e-3)
            let expected = pruned.logits(images)
            for path in KernelPath.allCases where path <= KernelPath.supported {
                for threads in [1, 2] {
                    let logits = sparse.logits(images, threads: threads, path: path)
                    XCTAssertLessThan(worstDifference(logits, expected), 1e-4, "sparsity \(sparsity) \(path)")
                }
            }
        }
    }

    func testCNNRunsConvolutionsAndLinearLayersSparse() throws {
        let model = SparseInference.magnitudePruned(
            try Model(architecture: Architecture.builtin("cnn", inputShape: [1, 12, 12], classes: 4)!, seed: 2),
            sparsity: 0.8)
        let sparse = SparseInference(model: model)
        XCTAssertEqual(sparse.linearLayers.map(\.name), ["fc1", "fc2"])
        // 61 images of 144 positions: three lowered products of at most 28 images each.
        let images = randomImages([61, 1, 12, 12], seed: 4)
        let expected = model.logits(images)
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for threads in [1, 2] {
                XCTAssertLessThan(
                    worstDifference(sparse.logits(images, threads: threads, path: path), expected), 1e-4, "\(path)")
            }
        }
    }

    /// Strided and padded convolutions, without bias, a 1x1 convolution, a ReLU not directly
    /// after a convolution, and several input channels: each against the dense model.
    func testConvolutionGeometries() throws {
        let architecture = Architecture(
            name: "convs", inputShape: [3, 9, 7],
            layers: [
                .conv2d(name: nil, outputChannels: 5, kernelSize: 3, stride: 2, padding: 1, bias: false),
                .activation(.relu),
                .conv2d(name: nil, outputChannels: 4, kernelSize: 1, stride: 1, padding: 0, bias: true),
                .activation(.tanh), .activation(.relu),
                .conv2d(name: nil, outputChannels: 6, kernelSize: 2, stride: 1, padding: 0, bias: true),
                .flatten, .linear(name: nil, outputFeatures: 3, bias: true),
            ])
        for sparsity in [0.0, 0.6] {
            let model = SparseInference.magnitudePruned(
                try Model(architecture: architecture, seed: 8), sparsity: sparsity)
            let images = randomImages([11, 3, 9, 7], seed: 9)
            XCTAssertLessThan(
                worstDifference(SparseInference(model: model, maximumDensity: 1).logits(images), model.logits(images)),
                1e-4,
                "sparsity \(sparsity)")
        }
    }

    func testActivationsThatAreNotFusedAndLayersWithoutBias() throws {
        let architecture = Architecture(
            name: "mixed", inputShape: [3, 5],
            layers: [
                .flatten, .linear(name: nil, outputFeatures: 20, bias: false), .activation(.tanh),
                .linear(name: nil, outputFeatures: 9, bias: true), .activation(.sigmoid),
                .linear(name: nil, outputFeatures: 6, bias: true), .activation(.relu), .activation(.relu),
                .linear(name: nil, outputFeatures: 3, bias: true),
            ])
        let model = SparseInference.magnitudePruned(try Model(architecture: architecture, seed: 5), sparsity: 0.5)
        let images = randomImages([19, 3, 5], seed: 6)
        XCTAssertLessThan(
            worstDifference(SparseInference(model: model, maximumDensity: 1).logits(images), model.logits(images)), 1e-4
        )
    }

    /// Layers denser than the crossover run on the dense kernels: a pruned mlp whose first
    /// layer was kept dense runs fc1 dense and fc2, fc3 sparse, and still gives the dense
    /// model's logits.
    func testLayersAboveTheCrossoverDensityRunDense() throws {
        let model = try Model(
            architecture: Architecture.builtin("mlp", inputShape: [1, 28, 28], classes: 10)!, seed: 4)
        var pruned = SparseInference.magnitudePruned(model, sparsity: 0.9)
        pruned.parameters["fc1.weight"] = model.parameters["fc1.weight"]
        let sparse = SparseInference(model: pruned)
        XCTAssertEqual(sparse.linearLayers.map(\.name), ["fc2", "fc3"])
        XCTAssertEqual(
            SparseInference(model: pruned, maximumDensity: 1).linearLayers.map(\.name), ["fc1", "fc2", "fc3"])
        XCTAssertEqual(SparseInference(model: pruned, maximumDensity: 0.05).linearLayers.count, 0)
        let images = randomImages([9, 1, 28, 28], seed: 2)
        XCTAssertLessThan(worstDifference(sparse.logits(images), pruned.logits(images)), 1e-4)
    }
}
