import LoupeNN
import LoupeTensor
import XCTest

/// Each optimizer minimises the convex `QuadraticProblem`, whose minimiser is its targets.
final class OptimizerConvergenceTests: XCTestCase {
    func assertConverges<O: Optimizer>(
        _ optimizer: O, learningRate: Float, schedule: LearningRateSchedule = .constant,
        steps: Int = 500,
        to minimiser: [Tensor] = QuadraticProblem.targets, accuracy: Float = 1e-3,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        var optimizer = optimizer
        let learningRates = (0..<steps).map {
            schedule.learningRate(atStep: $0, baseRate: learningRate, totalSteps: steps)
        }
        let parameters = QuadraticProblem.run(&optimizer, learningRates: learningRates)
        for (actual, expected) in zip(parameters, minimiser) {
            for (a, e) in zip(actual.scalars, expected.scalars) {
                XCTAssertEqual(a, e, accuracy: accuracy, file: file, line: line)
            }
        }
    }

    func testSGD() { assertConverges(SGD(), learningRate: 0.1) }

    func testSGDWithNesterovMomentum() {
        assertConverges(SGD(momentum: 0.9, nesterov: true), learningRate: 0.05)
    }

    /// With L2 decay `wd` the minimiser of `s (p - t)^2 / 2 + wd p^2 / 2` is `s t / (s + wd)`.
    func testSGDWithWeightDecayFindsTheShiftedMinimiser() {
        let weightDecay: Float = 0.5
        let minimiser = zip(QuadraticProblem.targets, QuadraticProblem.scales).map { target, scale in
            Tensor(
                shape: target.shape,
                scalars: zip(target.scalars, scale.scalars).map { t, s in s * t / (s + weightDecay) })
        }
        assertConverges(SGD(momentum: 0.5, weightDecay: weightDecay), learningRate: 0.1, to: minimiser)
    }

    func testAdam() { assertConverges(Adam(), learningRate: 0.1, schedule: .cosine(minimum: 0)) }

    /// Decoupled decay pulls the parameters slightly towards zero, by up to about 0.005 here.
    func testAdamW() {
        assertConverges(AdamW(), learningRate: 0.1, schedule: .cosine(minimum: 0), accuracy: 1e-2)
    }
}
