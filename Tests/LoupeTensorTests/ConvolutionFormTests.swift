import LoupeKernels
import LoupeRandom
import LoupeTensor
import XCTest

/// `conv2d` computes a stride-1 3 x 3 convolution by Winograd's F(4 x 4, 3 x 3) when no
/// weight gradient will be asked for (inference, attribution), and in training where
/// `WinogradConvolution.trains(on:)` the kernel path (`avx512`, `avx2`); elsewhere lowered. The outputs
/// agree to rounding, and the input gradient is the same either way.
final class ConvolutionFormTests: XCTestCase {
    func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.nextUniform() - 0.5 })
    }

    func testFrozenWeightsGiveTheTrainedFormsValuesToRounding() {
        let (x, w, b) = (random([2, 64, 6, 7], seed: 1), random([64, 64, 3, 3], seed: 2), random([64], seed: 3))
        let tape = Tape()
        let input = tape.constant(x)
        let trained = input.conv2d(weight: tape.variable(w), bias: tape.variable(b), padding: 1).value
        let frozen = input.conv2d(weight: tape.constant(w), bias: tape.constant(b), padding: 1).value
        let lowered = input.conv2d(
            weight: tape.constant(w), bias: tape.constant(b), padding: 1, allowsWinograd: false
        ).value
        XCTAssertEqual(trained.shape, frozen.shape)
        let largest = lowered.scalars.map(abs).max()!
        for (lowered, winograd) in zip(lowered.scalars, frozen.scalars) {
            XCTAssertEqual(winograd, lowered, accuracy: 1e-5 * largest)
        }
        XCTAssertNotEqual(
            lowered.scalars.map(\.bitPattern), frozen.scalars.map(\.bitPattern),
            "frozen weights take the other form, which rounds differently")
        let trainedForm = WinogradConvolution.trains(on: .active) ? frozen : lowered
        XCTAssertEqual(
            trained.scalars.map(\.bitPattern), trainedForm.scalars.map(\.bitPattern),
            "training on \(KernelPath.active)")
    }

    func testTheInputGradientDoesNotDependOnTheForm() {
        let (x, w, g) = (
            random([2, 64, 5, 5], seed: 4), random([64, 64, 3, 3], seed: 5), random([2, 64, 5, 5], seed: 6)
        )
        func inputGradient(frozen: Bool) -> [Float] {
            let tape = Tape()
            let input = tape.variable(x)
            let weight = frozen ? tape.constant(w) : tape.variable(w)
            let output = input.conv2d(weight: weight, bias: nil, padding: 1)
            return tape.gradients(of: (output * tape.constant(g)).sum())[input]!.scalars
        }
        XCTAssertEqual(
            inputGradient(frozen: true).map(\.bitPattern), inputGradient(frozen: false).map(\.bitPattern))
    }
}
