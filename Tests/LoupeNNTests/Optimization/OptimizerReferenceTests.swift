import LoupeNN
import LoupeTensor
import XCTest

// Expected values come from numpy (float64), implementing the update equations of the
// torch.optim.SGD/Adam/AdamW documentation literally on `QuadraticProblem`, printed as
// float32 with `str(np.float32(x))`:
//
//     import numpy as np
//     P = [np.array([[0.5, -1.0, 2.0], [1.5, -0.25, 0.0]]), np.array([0.3, -0.7, 1.2])]
//     T = [np.array([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]]), np.array([0.0, 1.0, -1.0])]
//     S = [np.array([[1.0, 2.0, 0.5], [3.0, 1.0, 0.25]]), np.array([2.0, 0.5, 1.0])]
//     LRS = [0.1, 0.05, 0.1, 0.02]
//
//     def sgd(momentum=0.0, nesterov=False, wd=0.0, excluded=()):
//         p, buf = [x.copy() for x in P], [None, None]
//         for lr in LRS:
//             for i in range(2):
//                 g = S[i] * (p[i] - T[i])
//                 if wd and i not in excluded: g = g + wd * p[i]
//                 if momentum:
//                     buf[i] = g.copy() if buf[i] is None else momentum * buf[i] + g
//                     g = g + momentum * buf[i] if nesterov else buf[i]
//                 p[i] = p[i] - lr * g
//         return p
//
//     def adam(b1=0.9, b2=0.999, eps=1e-8, wd=0.0, decoupled=False, excluded=()):
//         p = [x.copy() for x in P]
//         m, v = [np.zeros_like(x) for x in P], [np.zeros_like(x) for x in P]
//         for t, lr in enumerate(LRS, start=1):
//             for i in range(2):
//                 g = S[i] * (p[i] - T[i])
//                 if wd and i not in excluded:
//                     if decoupled: p[i] = p[i] * (1 - lr * wd)
//                     else: g = g + wd * p[i]
//                 m[i] = b1 * m[i] + (1 - b1) * g
//                 v[i] = b2 * v[i] + (1 - b2) * g * g
//                 denom = np.sqrt(v[i]) / np.sqrt(1 - b2 ** t) + eps
//                 p[i] = p[i] - lr / (1 - b1 ** t) * m[i] / denom
//         return p
//
//     cases = {
//         "sgdPlain": sgd(),
//         "sgdWeightDecay": sgd(wd=0.1),
//         "sgdMomentum": sgd(momentum=0.9),
//         "sgdNesterovWeightDecayExcludingBias": sgd(momentum=0.9, nesterov=True, wd=0.1, excluded=(1,)),
//         "adamDefaults": adam(),
//         "adamL2ExcludingBias": adam(b1=0.8, b2=0.9, eps=1e-2, wd=0.1, excluded=(1,)),
//         "adamWDefaults": adam(wd=0.01, decoupled=True),
//         "adamWExcludingBias": adam(b1=0.8, b2=0.9, eps=1e-2, wd=0.5, decoupled=True, excluded=(1,)),
//     }
//     fmt = lambda a: ", ".join(str(np.float32(x)) for x in a.ravel())
//     for name, (p0, p1) in cases.items():
//         print(f"{name}: [{fmt(p0)}], [{fmt(p1)}]")

/// Four steps of each optimizer against independently computed reference values.
final class OptimizerReferenceTests: XCTestCase {
    /// Changes between steps so that each step's rate is seen to be used.
    let learningRates: [Float] = [0.1, 0.05, 0.1, 0.02]

    func assertFourSteps<O: Optimizer>(
        _ optimizer: O, reach expected: ([Float], [Float]), file: StaticString = #filePath,
        line: UInt = #line
    ) {
        var optimizer = optimizer
        let parameters = QuadraticProblem.run(&optimizer, learningRates: learningRates)
        for (actual, expected) in zip(parameters, [expected.0, expected.1]) {
            XCTAssertEqual(actual.scalars.count, expected.count, file: file, line: line)
            for (a, e) in zip(actual.scalars, expected) {
                XCTAssertEqual(
                    a, e, accuracy: 2e-6, "\(actual.scalars) vs \(expected)", file: file, line: line)
            }
        }
    }

    func testSGD() {
        assertFourSteps(
            SGD(),
            reach: (
                [0.622945, -0.55296, 1.6134144, 0.89151, -0.0655825, 0.032975763],
                [0.165888, -0.4809348, 0.659042]
            ))
    }

    func testSGDWithWeightDecay() {
        assertFourSteps(
            SGD(weightDecay: 0.1),
            reach: (
                [0.60960907, -0.5351096, 1.5659529, 0.86731905, -0.06122884, 0.032669976],
                [0.16053288, -0.4651039, 0.6349044]
            ))
    }

    func testSGDWithMomentum() {
        assertFourSteps(
            SGD(momentum: 0.9),
            reach: (
                [0.74404, -0.11232, 1.2333219, 0.294, 0.11606, 0.065358885],
                [0.033696, -0.26554906, 0.126224]
            ))
    }

    func testSGDWithNesterovMomentumAndWeightDecayExcludingBias() {
        assertFourSteps(
            SGD(momentum: 0.9, nesterov: true, weightDecay: 0.1, excludedFromWeightDecay: [1]),
            reach: (
                [0.778267, 0.075344965, 0.8496815, 0.1807476, 0.22923769, 0.088391],
                [-0.013259635, -0.11457215, -0.18544762]
            ))
    }

    func testAdam() {
        assertFourSteps(
            Adam(),
            reach: (
                [0.7660177, -0.7313388, 1.7303337, 1.2313387, 0.017953234, 0.26601765],
                [0.040661655, -0.4306601, 0.93048066]
            ))
    }

    /// A large epsilon tells apart adding it after the square root from adding it inside.
    func testAdamWithL2WeightDecayExcludingBias() {
        assertFourSteps(
            Adam(beta1: 0.8, beta2: 0.9, epsilon: 1e-2, weightDecay: 0.1, excludedFromWeightDecay: [1]),
            reach: (
                [0.7575941, -0.7327756, 1.7319931, 1.2323003, 0.013954004, 0.24095093],
                [0.046087302, -0.4339357, 0.9317699]
            ))
    }

    func testAdamW() {
        assertFourSteps(
            AdamW(),
            reach: (
                [0.7644579, -0.72890913, 1.725196, 1.2275699, 0.018371636, 0.2657716],
                [0.040159147, -0.42902705, 0.9275001]
            ))
    }

    func testAdamWExcludingBias() {
        assertFourSteps(
            AdamW(beta1: 0.8, beta2: 0.9, epsilon: 1e-2, weightDecay: 0.5, excludedFromWeightDecay: [1]),
            reach: (
                [0.68546593, -0.61729944, 1.4871186, 1.0531398, 0.03382629, 0.23347649],
                [0.046087302, -0.4339357, 0.9317699]
            ))
    }

    func testAdamWWithoutWeightDecayIsAdam() {
        var adam = Adam(beta1: 0.8, beta2: 0.9)
        var adamW = AdamW(beta1: 0.8, beta2: 0.9, weightDecay: 0)
        assertBitIdentical(
            QuadraticProblem.run(&adamW, learningRates: learningRates),
            QuadraticProblem.run(&adam, learningRates: learningRates))
    }

    func testStepUpdatesParameterStorageInPlace() {
        var parameters = QuadraticProblem.initialParameters
        var optimizer = Adam()
        optimizer.step(
            parameters: &parameters, gradients: QuadraticProblem.gradients(at: parameters),
            learningRate: 0.1)
        let storage = parameters.map { $0.withUnsafeBufferPointer { $0.baseAddress } }
        optimizer.step(
            parameters: &parameters, gradients: QuadraticProblem.gradients(at: parameters),
            learningRate: 0.1)
        XCTAssertEqual(parameters.map { $0.withUnsafeBufferPointer { $0.baseAddress } }, storage)
    }
}
