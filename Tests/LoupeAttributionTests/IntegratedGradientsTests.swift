import LoupeAttribution
import LoupeNN
import LoupeTensor
import XCTest

final class IntegratedGradientsTests: XCTestCase {
    /// The mean |completeness error| falls strictly as the number of steps grows, on an mlp
    /// and a cnn, for a zero and a mean-image baseline; with many steps it is small against
    /// the logit difference it should add up to.
    func testCompletenessErrorShrinksWithSteps() throws {
        for model in [Fixtures.mlp(), Fixtures.cnn()] {
            let shape = model.architecture.inputShape
            let images = Fixtures.images(4, shape: shape)
            let mean = Baseline.mean(of: Fixtures.dataset(20, shape: shape, classes: 4))
            for baseline in [Baseline.zero, mean] {
                var errors: [Float] = []
                var differences: [Float] = []
                for steps in [2, 16, 128] {
                    let explanation = try IntegratedGradients(baseline: baseline, steps: steps)
                        .explain(images, targets: [0, 1, 2, 3], model: model)
                    errors.append(explanation.completenessErrors.map(abs).reduce(0, +) / 4)
                    differences = explanation.logitDifferences
                }
                let name = "\(model.architecture.name), \(baseline) baseline"
                XCTAssertGreaterThan(errors[0], errors[1], name)
                XCTAssertGreaterThan(errors[1], errors[2], name)
                let scale = differences.map(abs).reduce(0, +) / 4
                XCTAssertLessThan(errors[2], 0.05 * scale, name)
            }
        }
    }

    /// An independent reference: one image and one step at a time through
    /// `Model.inputGradients`, with the path points written out and summed in double precision.
    func testEqualsAStepByStepReference() throws {
        let model = Fixtures.cnn()
        let images = Fixtures.images(2, shape: [1, 8, 8])
        let reference = Fixtures.images(1, shape: [1, 8, 8], seed: 99)
        let steps = 5
        let maps = try IntegratedGradients(baseline: .given(reference), steps: steps)
            .attributions(images, targets: [2, 0], model: model, seeds: [])
        for (image, target) in [(0, 2), (1, 0)] {
            let x = Array(images.scalars[(image * 64)..<((image + 1) * 64)])
            var sums = [Double](repeating: 0, count: 64)
            for k in 1...steps {
                let alpha = Double(k) / Double(steps)
                let point = (0..<64).map {
                    Float(Double(reference.scalars[$0]) + alpha * Double(x[$0] - reference.scalars[$0]))
                }
                let gradient = model.inputGradients(Tensor(shape: [1, 1, 8, 8], scalars: point), classes: [target])
                for element in 0..<64 { sums[element] += Double(gradient.gradients.scalars[element]) }
            }
            for element in 0..<64 {
                let expected = Double(x[element] - reference.scalars[element]) * sums[element] / Double(steps)
                XCTAssertEqual(Double(maps.scalars[image * 64 + element]), expected, accuracy: 1e-4)
            }
        }
    }

    /// Black is the lower end of the range: for data in -1...0 it is the image of -1s.
    func testBlackBaselineIsTheLowerBoundOfTheRange() throws {
        let model = Fixtures.mlp()
        let images = Fixtures.images(2, shape: [1, 6, 6]).map { $0 - 1 }
        let black = try IntegratedGradients(baseline: .black(InputRange(lower: -1, upper: 0)), steps: 8)
            .attributions(images, targets: [0, 1], model: model, seeds: [])
        let given = try IntegratedGradients(baseline: .given(Tensor(repeating: -1, shape: [1, 6, 6])), steps: 8)
            .attributions(images, targets: [0, 1], model: model, seeds: [])
        XCTAssertEqual(black.scalars, given.scalars)
        let zero = try IntegratedGradients(baseline: .zero, steps: 8)
            .attributions(images, targets: [0, 1], model: model, seeds: [])
        XCTAssertGreaterThan(maxAbsoluteDifference(zero, black), 1e-3)
    }

    /// The mean baseline is the per-element average image; the input range is the data's
    /// smallest and largest value.
    func testMeanImageAndInputRangeOfADataset() {
        let data = Fixtures.dataset(7, shape: [2, 3, 3], classes: 2)
        let images = data.images(at: Array(0..<7))
        let mean = Baseline.meanImage(of: data)
        XCTAssertEqual(mean.shape, [2, 3, 3])
        for element in 0..<18 {
            let average = (0..<7).map { Double(images.scalars[$0 * 18 + element]) }.reduce(0, +) / 7
            XCTAssertEqual(Double(mean.scalars[element]), average, accuracy: 1e-6)
        }
        let range = InputRange(of: data)
        XCTAssertEqual(range.lower, images.scalars.min())
        XCTAssertEqual(range.upper, images.scalars.max())
        XCTAssertEqual(InputRange(of: Fixtures.mnist), .unit)
        XCTAssertEqual(InputRange.unit.shifted(by: -1), InputRange(lower: -1, upper: 0))
    }

    func testRejectsBaselineOfTheWrongShapeAndNoSteps() {
        let model = Fixtures.mlp()
        let images = Fixtures.images(1, shape: [1, 6, 6])
        assertAttributionError(["baseline", "[1, 5, 5]", "[1, 6, 6]"]) {
            _ = try IntegratedGradients(baseline: .given(Tensor(zeros: [1, 5, 5])))
                .attributions(images, targets: [0], model: model, seeds: [])
        }
        for bad in [Float.nan, .infinity, -.infinity] {
            var values = [Float](repeating: 0, count: 36)
            values[7] = bad
            assertAttributionError(["baseline", "non-finite value \(bad)", "element 7"]) {
                _ = try IntegratedGradients(baseline: .given(Tensor(shape: [1, 6, 6], scalars: values)))
                    .attributions(images, targets: [0], model: model, seeds: [])
            }
        }
        assertAttributionError(["steps", "at least 1"]) {
            _ = try IntegratedGradients(steps: 0).attributions(images, targets: [0], model: model, seeds: [])
        }
    }

    /// `--steps` and `--samples` size a workspace of images x steps (or noisy copies) x
    /// values: 2^62 overflowed it (a trap), 10^9 asked for tens of GB; both are refused by
    /// name before anything is allocated.
    func testStepsAndSamplesThatDoNotFitTheMemoryBudgetAreRefused() {
        let model = Fixtures.mlp()
        let images = Fixtures.images(2, shape: [1, 6, 6])
        assertAttributionError(["integrated-gradients", "\(1 << 62) steps of 2 images", "overflows"]) {
            _ = try IntegratedGradients(steps: 1 << 62).attributions(images, targets: [0, 1], model: model, seeds: [])
        }
        assertAttributionError(["integrated-gradients", "1000000000 steps", "over the memory budget"]) {
            _ = try IntegratedGradients(steps: 1_000_000_000).attributions(
                images, targets: [0, 1], model: model, seeds: [])
        }
        assertAttributionError(["smoothgrad", "\(1 << 62) noisy copies", "overflows"]) {
            _ = try SmoothGrad(noiseStandardDeviation: 0.1, samples: 1 << 62).attributions(
                images, targets: [0, 1], model: model, seeds: [1, 2])
        }
    }
}
