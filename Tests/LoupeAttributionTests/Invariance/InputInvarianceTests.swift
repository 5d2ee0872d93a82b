import LoupeAttribution
import LoupeData
import LoupeNN
import LoupeTensor
import XCTest

final class InputInvarianceTests: XCTestCase {
    let shift: Float = -1

    func models() -> [Model] {
        [
            try! Model(
                architecture: .builtin("mlp", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [32])!, seed: 1),
            try! Model(
                architecture: .builtin("cnn", inputShape: [1, 28, 28], classes: 10, hiddenWidths: [16])!, seed: 2),
        ]
    }

    /// On real digits (blank borders) the exactly compensated model reproduces the logits;
    /// gradient, the SmoothGrad family, guided backprop, integrated gradients from a baseline
    /// that moves with the input and the controls pass; gradient x input and integrated
    /// gradients from zero fail, as Kindermans et al. found.
    func testMethodsPassAndFailAsTheoryPredicts() throws {
        let data = Fixtures.mnist
        let images = data.images(at: Array(0..<data.count))
        let meanImage = Baseline.meanImage(of: data)
        let cases = InvarianceCase.standard(
            inputRange: .unit, shift: shift, meanImage: meanImage, steps: 8, samples: 6)
        XCTAssertEqual(
            cases.filter { !$0.expectedInvariant }.map(\.label),
            [
                "gradient-x-input", "integrated-gradients(baseline=zero)",
            ])
        for model in models() {
            let targets = try AttributionTarget.predicted.classes(for: data, model: model)
            let seeds = data.ids.map { exampleSeed(runSeed: 3, id: $0) }
            let (check, results) = try InputInvarianceTest(shift: shift).run(
                model: model, images: images, targets: targets, seeds: seeds, cases: cases)
            XCTAssertTrue(check.agrees)
            XCTAssertEqual(results.count, cases.count)
            for result in results {
                let name =
                    "\(model.architecture.name) \(result.label): relative difference \(result.relativeNormDifference)"
                XCTAssertEqual(result.passes, result.expectedToPass, name)
                if !result.expectedToPass { XCTAssertGreaterThan(result.relativeNormDifference, 0.5, name) }
            }
            let byLabel = Dictionary(uniqueKeysWithValues: results.map { ($0.label, $0.passes) })
            XCTAssertEqual(byLabel["gradient"], true)
            XCTAssertEqual(byLabel["smoothgrad"], true)
            XCTAssertEqual(byLabel["guided-backprop"], true)
            XCTAssertEqual(byLabel["gradient-x-input"], false)
            XCTAssertEqual(byLabel["integrated-gradients(baseline=zero)"], false)
            XCTAssertEqual(byLabel["integrated-gradients(baseline=black)"], true)
        }
    }

    /// The published bug, shifting the input without compensating the bias, changes the
    /// outputs and is caught before any map is compared; so is the textbook `b1 - W1 m` on a
    /// zero-padded convolution, which is wrong at the borders (for a linear layer it is exact).
    func testUncompensatedShiftFailsTheOutputCheck() throws {
        let images = Fixtures.mnist.images(at: [0, 1])
        let cases = [InvarianceCase.standard(inputRange: .unit, shift: shift)[0]]
        for model in models() {
            assertAttributionError(["input invariance", "not equivalent", "none"]) {
                _ = try InputInvarianceTest(shift: shift, compensation: .none).run(
                    model: model, images: images, targets: [0, 0], seeds: [1, 2], cases: cases)
            }
            let uniform = try InputInvarianceTest(shift: shift, compensation: .uniformBias)
                .checkOutputs(model: model, images: images).check
            let exact = try InputInvarianceTest(shift: shift, compensation: .exact)
                .checkOutputs(model: model, images: images).check
            XCTAssertTrue(exact.agrees, "\(model.architecture.name): \(exact.largestDifference)")
            XCTAssertEqual(uniform.agrees, model.architecture.name == "mlp", "\(uniform.largestDifference)")
            XCTAssertGreaterThan(
                try InputInvarianceTest(shift: shift, compensation: .none).checkOutputs(model: model, images: images)
                    .check.largestDifference, 100 * exact.allowedDifference)
        }
    }

    /// The exact compensation of the convolution is a per-position map: interior positions
    /// get the uniform `-W1 m`, border positions only the taps inside the image.
    func testConvolutionCompensationIsPositionDependent() throws {
        let model = models()[1]
        let shifted = try InputShift.shiftedModel(model, shift: shift, compensation: .exact)
        let layer = try XCTUnwrap(shifted.network.layers.first as? PositionBiasedConv2d)
        XCTAssertEqual(layer.base.name, "conv1")
        XCTAssertTrue(model.network.layers.first is Conv2d)  // the original is left as it was
        let map = layer.positionBias
        XCTAssertEqual(map.shape, [32, 28, 28])
        XCTAssertEqual(shifted.parameters["conv1.bias"], model.parameters["conv1.bias"])
        let weight = model.parameters["conv1.weight"]!
        for channel in [0, 17] {
            let taps = Array(weight.scalars[(channel * 9)..<(channel * 9 + 9)])
            let at = { (row: Int, column: Int) in map.scalars[channel * 784 + row * 28 + column] }
            XCTAssertEqual(at(10, 13), taps.reduce(0, +), accuracy: 1e-5)  // -(-1) x all nine taps
            // Top-left corner: only the lower-right 2x2 taps see the image.
            XCTAssertEqual(at(0, 0), taps[4] + taps[5] + taps[7] + taps[8], accuracy: 1e-5)
            // Top edge: the lower two rows of taps.
            XCTAssertEqual(at(0, 9), taps[3...].reduce(0, +), accuracy: 1e-5)
        }
    }

    func testRejectsArchitecturesItCannotCompensate() throws {
        let model = try Model(
            architecture: Architecture(
                name: "pool-first", inputShape: [1, 4, 4],
                layers: [.activation(.relu), .flatten, .linear(name: nil, outputFeatures: 2, bias: true)]), seed: 1)
        assertAttributionError(["input invariance", "pool-first"]) {
            _ = try InputShift.shiftedModel(model, shift: -1, compensation: .exact)
        }
    }
}
