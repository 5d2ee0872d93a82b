import LoupeAttribution
import LoupeNN
import LoupeRandom
import LoupeTensor
import XCTest

extension Model {
    /// The model with its layer `conv1` replaced by a `PositionBiasedConv2d` with `map`.
    func positionBiased(_ map: Tensor) throws -> Model {
        try rewritingLayers(
            where: { ($0 as? Conv2d)?.name == "conv1" },
            with: {
                PositionBiasedConv2d($0 as! Conv2d, positionBias: map)
            })
    }
}

final class ConvolutionPositionBiasTests: XCTestCase {
    /// A convolution read out through an identity layer: the logits are the convolution's
    /// output, so a per-position bias map must appear in them element for element.
    func makeModel() throws -> Model {
        let architecture = Architecture(
            name: "probe", inputShape: [1, 3, 3],
            layers: [
                .conv2d(name: nil, outputChannels: 1, kernelSize: 3, stride: 1, padding: 1, bias: true), .flatten,
                .linear(name: nil, outputFeatures: 9, bias: false),
            ])
        var model = try Model(architecture: architecture, seed: 4)
        model.parameters["fc1.weight"] = Tensor(
            shape: [9, 9], scalars: (0..<81).map { $0 / 9 == $0 % 9 ? 1 : 0 })
        return model
    }

    func testMapIsAddedPerPositionAndLeavesGradientsAlone() throws {
        let plain = try makeModel()
        let map = Tensor(shape: [1, 3, 3], scalars: [0.5, -1, 2, 0, 3, -0.25, 1, 1.5, -2])
        let shifted = try plain.positionBiased(map)
        var rng = SeededGenerator(seed: 1)
        let images = Tensor(shape: [2, 1, 3, 3], scalars: (0..<18).map { _ in rng.nextUniform() })
        let expected = plain.logits(images).scalars.enumerated().map { $1 + map.scalars[$0 % 9] }
        let actual = shifted.logits(images).scalars
        for (a, e) in zip(actual, expected) { XCTAssertEqual(a, e, accuracy: 1e-5) }
        XCTAssertEqual(
            shifted.inputGradients(images, classes: [4, 0]).gradients.scalars,
            plain.inputGradients(images, classes: [4, 0]).gradients.scalars)
    }

    /// A map equal to minus the convolution of an image cancels it exactly: the layer then
    /// outputs its bias bit for bit, since the map is added before the bias.
    func testMapCancellingTheProductLeavesTheBiasExactly() throws {
        var model = try makeModel()
        model.parameters["conv1.bias"] = Tensor(shape: [1], scalars: [0.1])
        let image = Tensor(repeating: -1, shape: [1, 1, 3, 3])
        var unbiased = model
        unbiased.parameters["conv1.bias"] = Tensor(shape: [1], scalars: [0])
        model = try model.positionBiased(unbiased.logits(image).scaled(by: -1).reshaped([1, 3, 3]))
        XCTAssertEqual(model.logits(image).scalars, [Float](repeating: 0.1, count: 9))
    }
}
