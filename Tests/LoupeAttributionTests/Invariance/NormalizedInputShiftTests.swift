import LoupeAttribution
import LoupeNN
import LoupeRandom
import LoupeTensor
import XCTest

/// The input shift with a normalisation in front of the first layer: the shift is applied in
/// pixel space and the normalisation is kept, so the first weighted layer sees
/// `shift / std[c]` in channel `c`, and that is what is compensated.
final class NormalizedInputShiftTests: XCTestCase {
    let shift: Float = -1
    let (mean, std): ([Float], [Float]) = ([0.49, 0.48, 0.45], [0.25, 0.5, 0.125])

    func model(_ name: String, seed: UInt64) throws -> Model {
        var architecture = Architecture.builtin(name, inputShape: [3, 8, 8], classes: 4, hiddenWidths: [6])!
        architecture.layers.insert(.normalize(mean: mean, std: std), at: 0)
        return try Model(architecture: architecture, seed: seed)
    }

    func images() -> Tensor {
        var generator = SeededGenerator(seed: 11)
        return Tensor(shape: [5, 3, 8, 8], scalars: (0..<(5 * 192)).map { _ in generator.nextUniform() })
    }

    func testShiftedModelsComputeTheSameLogitsOnShiftedInputs() throws {
        for (name, seed) in [("mlp", UInt64(1)), ("cnn", 2)] {
            let model = try model(name, seed: seed)
            for compensation in [ShiftCompensation.exact] + (name == "mlp" ? [.uniformBias] : []) {
                let shifted = try InputShift.shiftedModel(model, shift: shift, compensation: compensation)
                let before = model.logits(images())
                let after = shifted.logits(images().map { $0 + self.shift })
                let scale = before.scalars.map(abs).max()!
                for (a, b) in zip(before.scalars, after.scalars) {
                    XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, scale), "\(name) \(compensation)")
                }
                let check = try InputInvarianceTest(shift: shift, compensation: compensation)
                    .checkOutputs(model: model, images: images()).check
                XCTAssertTrue(check.agrees, "\(name) \(compensation): \(check.largestDifference)")
            }
            // Uncompensated, the logits move.
            let uncompensated = try InputInvarianceTest(shift: shift, compensation: .none)
                .checkOutputs(model: model, images: images()).check
            XCTAssertFalse(uncompensated.agrees)
        }
    }

    /// The compensated bias of a linear first layer, written out: `b - sum_i W[o, i] m / std[c(i)]`.
    func testLinearCompensationDividesTheShiftByEachChannelsStd() throws {
        let model = try model("mlp", seed: 3)
        let shifted = try InputShift.shiftedModel(model, shift: shift, compensation: .exact)
        let weight = model.parameters["fc1.weight"]!
        let bias = model.parameters["fc1.bias"]!
        let inputs = 192
        for output in 0..<6 {
            var total = 0.0
            for input in 0..<inputs {
                total += Double(weight.scalars[output * inputs + input]) * Double(shift) / Double(std[input / 64])
            }
            XCTAssertEqual(
                shifted.parameters["fc1.bias"]!.scalars[output], bias.scalars[output] - Float(total), accuracy: 1e-5)
        }
    }
}
