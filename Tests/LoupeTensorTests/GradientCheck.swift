import LoupeRandom
import LoupeTensor
import XCTest

/// Random tensor with elements uniform in [-1, 1), kept at least `margin` away from zero so
/// that finite differences never straddle a ReLU kink.
func randomTensor(_ shape: [Int], seed: UInt64, margin: Float = 0) -> Tensor {
    var rng = SeededGenerator(seed: seed)
    let values = (0..<shape.reduce(1, *)).map { _ -> Float in
        let x = rng.nextUniform() * 2 - 1
        return x < 0 ? min(x, -margin) : max(x, margin)
    }
    return Tensor(shape: shape, scalars: values)
}

/// A tensor whose elements are a random permutation of evenly spaced values: every pair of
/// elements differs by at least `gap`, so max-pooling's argmax is stable under a finite step.
func distinctTensor(_ shape: [Int], seed: UInt64, gap: Float = 0.05) -> Tensor {
    var rng = SeededGenerator(seed: seed)
    let count = shape.reduce(1, *)
    let values = (0..<count).map { Float($0) * gap - Float(count) * gap / 2 }.shuffled(using: &rng)
    return Tensor(shape: shape, scalars: values)
}

/// Compares the tape's gradients of `L = sum(f(inputs) * R)` (R a fixed random tensor) with
/// central finite differences, for every input. Up to `samples` elements of each input are
/// probed. The relative error is max|numeric - analytic| / max|analytic|.
func assertGradientsMatchFiniteDifferences(
    _ inputs: [Tensor], step: Float = 1e-2, tolerance: Float = 1e-3, samples: Int = 48,
    file: StaticString = #filePath, line: UInt = #line,
    _ function: ([Variable]) -> Variable
) {
    func evaluate(_ values: [Tensor]) -> (Tape, [Variable], Variable) {
        let tape = Tape()
        let variables = values.map { tape.variable($0) }
        return (tape, variables, function(variables))
    }
    let (tape, variables, output) = evaluate(inputs)
    let probe = randomTensor(output.shape, seed: 99)
    let gradients = tape.gradients(of: output, seed: probe)
    func loss(_ values: [Tensor]) -> Double {
        let out = evaluate(values).2.value
        var total = 0.0
        for (a, b) in zip(out.scalars, probe.scalars) { total += Double(a) * Double(b) }
        return total
    }
    for (index, input) in inputs.enumerated() {
        guard let analytic = gradients[variables[index]] else {
            XCTFail("no gradient for input \(index)", file: file, line: line)
            continue
        }
        XCTAssertEqual(analytic.shape, input.shape, file: file, line: line)
        var rng = SeededGenerator(seed: UInt64(index))
        let probed =
            input.count <= samples ? Array(0..<input.count) : (0..<samples).map { _ in rng.nextInt(below: input.count) }
        var worst: Double = 0
        var scale: Double = 1e-6
        for element in probed {
            var plus = inputs
            plus[index].scalars[element] += step
            var minus = inputs
            minus[index].scalars[element] -= step
            let numeric = (loss(plus) - loss(minus)) / (2 * Double(step))
            worst = max(worst, abs(numeric - Double(analytic.scalars[element])))
            scale = max(scale, abs(Double(analytic.scalars[element])), abs(numeric))
        }
        XCTAssertLessThan(
            worst / scale, Double(tolerance), "input \(index) of shape \(input.shape)", file: file, line: line)
    }
}
