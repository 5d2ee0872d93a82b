import LoupeData
import LoupeNN
import LoupeRandom
import LoupeTensor
import XCTest

@testable import LoupeCompress

/// Compression leaves a model's input normalisation alone: it has no parameters to prune or
/// quantize, the first weighted layer stays the one kept dense, int8-full calibrates the first
/// layer on normalised inputs, and integer inference runs it.
final class NormalizedModelCompressionTests: XCTestCase {
    func models() throws -> (plain: Model, normalized: Model) {
        let plain = Architecture.builtin("cnn", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [8])!
        var normalized = plain
        normalized.layers.insert(.normalize(mean: [0.13], std: [0.31]), at: 0)
        return (try Model(architecture: plain, seed: 3), try Model(architecture: normalized, seed: 3))
    }

    func testPruningMasksAreThoseOfThePlainModel() throws {
        let (plain, normalized) = try models()
        var first = SeededGenerator(seed: 0)
        var second = SeededGenerator(seed: 0)
        let plainMasks = try MagnitudePruner.masks(
            for: plain, sparsity: 0.9, policy: PruningPolicy(), generator: &first)
        let masks = try MagnitudePruner.masks(
            for: normalized, sparsity: 0.9, policy: PruningPolicy(), generator: &second)
        XCTAssertEqual(masks.masks, plainMasks.masks)
        XCTAssertNil(masks.masks["conv1.weight"], "the first weighted layer stays dense")
    }

    func testInt8FullQuantizesTheNormalisedInput() throws {
        let (plain, normalized) = try models()
        let images = try DatasetLoader.load("mnist-5k").test.images(at: Array(0..<64))
        let quantized = try Quantizer.quantize(normalized, scheme: .int8Full, calibration: images)
        XCTAssertEqual(Set(quantized.activationRanges.keys), ["conv1", "conv2", "fc1", "fc2"])
        // conv1's input range is that of the normalised pixels, not [0, 1].
        let range = quantized.activationRanges["conv1"]!
        XCTAssertEqual(range.rounded(-0.13 / 0.31), -0.13 / 0.31, accuracy: range.scale)
        XCTAssertNoThrow(try IntegerInference(quantized))
        let integer = try IntegerInference(quantized).logits(images)
        let float = normalized.logits(images)
        let agreeing = zip(integer.argmaxRows(), float.argmaxRows()).filter { $0 == $1 }.count
        XCTAssertGreaterThanOrEqual(agreeing, 58, "int8 predictions agree with float on most images")
        // The plain model quantized from the same parameters agrees with it on normalised images.
        let plainQuantized = try Quantizer.quantize(
            plain, scheme: .int8Full, calibration: images.map { ($0 - 0.13) / 0.31 })
        XCTAssertEqual(plainQuantized.activationRanges["fc1"], quantized.activationRanges["fc1"])
    }
}
