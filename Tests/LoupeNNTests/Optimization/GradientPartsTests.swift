import LoupeNN
import LoupeTensor
import XCTest

/// `step(parameters:gradientParts:learningRate:threads:)` must equal `step` on the parts'
/// element-wise sum, added in part order: the trainer relies on it for shard gradients.
final class GradientPartsTests: XCTestCase {
    /// Values in [-1, 1) from a fixed linear congruential sequence.
    func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 23) - 1
        }
    }

    /// A parameter large enough to be updated on two threads and a small one.
    let shapes = [[300, 200], [7]]

    func check<O: Optimizer>(_ make: () -> O, name: String) {
        for partCount in 1...3 {
            var fused = make()
            var reference = make()
            var fusedParameters = shapes.enumerated().map {
                Tensor(shape: $1, scalars: values($1.reduce(1, *), seed: UInt64($0)))
            }
            var referenceParameters = fusedParameters
            for step in 0..<3 {
                var parts = (0..<partCount).map { part in
                    shapes.enumerated().map { index, shape in
                        Tensor(
                            shape: shape,
                            scalars: values(shape.reduce(1, *), seed: UInt64(100 * step + 10 * part + index + 7)))
                    }
                }
                let sums = shapes.indices.map { index -> Tensor in
                    var total = parts[0][index].scalars
                    for part in parts.dropFirst() {
                        for i in total.indices { total[i] += part[index].scalars[i] }
                    }
                    return Tensor(shape: shapes[index], scalars: total)
                }
                fused.step(parameters: &fusedParameters, gradientParts: &parts, learningRate: 0.1, threads: 2)
                reference.step(parameters: &referenceParameters, gradients: sums, learningRate: 0.1)
                XCTAssertEqual(fusedParameters, referenceParameters, "\(name), \(partCount) parts, step \(step)")
            }
            XCTAssertEqual(fused.stateTensors(), reference.stateTensors(), "\(name), \(partCount) parts")
        }
    }

    func testSGD() { check({ SGD() }, name: "plain") }
    func testSGDWithMomentum() { check({ SGD(momentum: 0.9) }, name: "momentum") }
    func testSGDWithNesterovMomentumAndWeightDecay() {
        check({ SGD(momentum: 0.8, nesterov: true, weightDecay: 0.01, excludedFromWeightDecay: [1]) }, name: "nesterov")
    }
    func testAdamUsesTheSummingDefault() { check({ Adam() }, name: "adam") }
}
