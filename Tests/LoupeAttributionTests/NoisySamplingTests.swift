import Foundation
import LoupeAttribution
import LoupeNN
import LoupeSupport
import LoupeTensor
import XCTest

/// A base method that returns the gradient and remembers every batch it was given, so that a
/// test can recompute aggregates over exactly the noisy copies the wrapper made.
final class RecordingGradient: AttributionMethod, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var inputs: [Tensor] = []
    private(set) var outputs: [Tensor] = []

    var name: String { "recording-gradient" }

    func attributions(_ images: Tensor, targets: [Int], model: Model, seeds: [UInt64]) throws(InputError)
        -> Tensor
    {
        let maps = try Gradient().attributions(images, targets: targets, model: model, seeds: seeds)
        lock.lock()
        inputs.append(images)
        outputs.append(maps)
        lock.unlock()
        return maps
    }
}

final class NoisySamplingTests: XCTestCase {
    func testZeroNoiseGivesTheBaseMethod() throws {
        let model = Fixtures.cnn()
        let images = Fixtures.images(3, shape: [1, 8, 8])
        for base in [Gradient(), IntegratedGradients(steps: 4)] as [any AttributionMethod] {
            let plain = try base.attributions(images, targets: [0, 1, 2], model: model, seeds: [])
            let smoothed = try SmoothGrad(base: base, noiseStandardDeviation: 0, samples: 5)
                .attributions(images, targets: [0, 1, 2], model: model, seeds: [1, 2, 3])
            XCTAssertLessThanOrEqual(maxAbsoluteDifference(plain, smoothed), 1e-6 * maxAbsolute(plain))
            let squared = try SmoothGradSquared(base: base, noiseStandardDeviation: 0, samples: 5)
                .attributions(images, targets: [0, 1, 2], model: model, seeds: [1, 2, 3])
            let plainSquared = plain.map { $0 * $0 }
            XCTAssertLessThanOrEqual(maxAbsoluteDifference(plainSquared, squared), 1e-6 * maxAbsolute(plainSquared))
        }
    }

    /// The wrappers against naive loops over the very copies they made: mean, mean of
    /// squares and (nonnegative) population variance per element; the copies are the image
    /// plus noise of the requested spread.
    func testAggregatesMatchNaiveLoopsOverTheCopies() throws {
        let model = Fixtures.mlp()
        let images = Fixtures.images(2, shape: [1, 6, 6])
        let (samples, sigma): (Int, Float) = (40, 0.15)
        let targets = [1, 2]
        let seeds: [UInt64] = [21, 22]
        func recorded<M: AttributionMethod>(_ make: (RecordingGradient) -> M) throws -> (Tensor, Tensor, Tensor) {
            let recorder = RecordingGradient()
            let maps = try make(recorder).attributions(images, targets: targets, model: model, seeds: seeds)
            return (maps, Tensor.concatenating(recorder.inputs), Tensor.concatenating(recorder.outputs))
        }
        let (mean, copies, baseMaps) = try recorded {
            SmoothGrad(base: $0, noiseStandardDeviation: sigma, samples: samples)
        }
        let (squares, copies2, _) = try recorded {
            SmoothGradSquared(base: $0, noiseStandardDeviation: sigma, samples: samples)
        }
        let (variance, copies3, _) = try recorded { VarGrad(base: $0, noiseStandardDeviation: sigma, samples: samples) }
        XCTAssertEqual(copies.shape, [2 * samples, 1, 6, 6])
        XCTAssertEqual(copies.scalars, copies2.scalars, "same seeds, same noise")
        XCTAssertEqual(copies.scalars, copies3.scalars)

        var noise: [Double] = []
        for image in 0..<2 {
            for element in 0..<36 {
                var values: [Double] = []
                for sample in 0..<samples {
                    let row = (image * samples + sample) * 36 + element
                    values.append(Double(baseMaps.scalars[row]))
                    noise.append(Double(copies.scalars[row] - images.scalars[image * 36 + element]))
                }
                let average = values.reduce(0, +) / Double(samples)
                let averageSquare = values.map { $0 * $0 }.reduce(0, +) / Double(samples)
                let spread = values.map { ($0 - average) * ($0 - average) }.reduce(0, +) / Double(samples)
                let index = image * 36 + element
                let scale = max(1e-3, abs(averageSquare))
                XCTAssertEqual(Double(mean.scalars[index]), average, accuracy: 1e-5 * max(1e-2, abs(average)) + 1e-7)
                XCTAssertEqual(Double(squares.scalars[index]), averageSquare, accuracy: 1e-5 * scale)
                XCTAssertEqual(Double(variance.scalars[index]), spread, accuracy: 1e-4 * scale)
                XCTAssertGreaterThanOrEqual(variance.scalars[index], 0)
            }
        }
        let noiseMean = noise.reduce(0, +) / Double(noise.count)
        let noiseSpread = (noise.map { ($0 - noiseMean) * ($0 - noiseMean) }.reduce(0, +) / Double(noise.count))
            .squareRoot()
        XCTAssertEqual(noiseSpread, Double(sigma), accuracy: 0.1 * Double(sigma))
        XCTAssertEqual(noiseMean, 0, accuracy: 0.1 * Double(sigma))
    }

    /// The default sigma is 0.15 of the range's width.
    func testDefaultNoiseIsFifteenPercentOfTheRange() {
        XCTAssertEqual(SmoothGrad(inputRange: InputRange(lower: -1, upper: 3)).noiseStandardDeviation, 0.6)
        XCTAssertEqual(VarGrad(inputRange: .unit).samples, 25)
        XCTAssertEqual(SmoothGradSquared(inputRange: .unit).noiseStandardDeviation, 0.15)
    }

    func testWrapperNamesAndMissingSeeds() {
        XCTAssertEqual(SmoothGrad(inputRange: .unit).name, "smoothgrad")
        XCTAssertEqual(VarGrad(base: IntegratedGradients(), inputRange: .unit).name, "vargrad(integrated-gradients)")
        let model = Fixtures.mlp()
        assertAttributionError(["smoothgrad", "1 seeds for 2 images"]) {
            _ = try SmoothGrad(inputRange: .unit).attributions(
                Fixtures.images(2, shape: [1, 6, 6]), targets: [0, 0], model: model, seeds: [1])
        }
    }
}
