import LoupeNN
import LoupeTensor
import XCTest

/// A small weighted quadratic, `sum(scale * (p - target)^2) / 2` over two parameters (a
/// 2×3 "weight" and a 3-element "bias"), whose gradient `scale * (p - target)` depends on
/// the parameters so that errors in an update compound over steps.
enum QuadraticProblem {
    static let initialParameters = [
        Tensor(shape: [2, 3], scalars: [0.5, -1.0, 2.0, 1.5, -0.25, 0.0]),
        Tensor(shape: [3], scalars: [0.3, -0.7, 1.2]),
    ]
    static let targets = [
        Tensor(shape: [2, 3], scalars: [1.0, 0.0, -1.0, 0.5, 0.5, 0.5]),
        Tensor(shape: [3], scalars: [0.0, 1.0, -1.0]),
    ]
    static let scales = [
        Tensor(shape: [2, 3], scalars: [1.0, 2.0, 0.5, 3.0, 1.0, 0.25]),
        Tensor(shape: [3], scalars: [2.0, 0.5, 1.0]),
    ]

    static func gradients(at parameters: [Tensor]) -> [Tensor] {
        parameters.indices.map { index in
            let (p, t, s) = (parameters[index].scalars, targets[index].scalars, scales[index].scalars)
            return Tensor(
                shape: parameters[index].shape, scalars: p.indices.map { s[$0] * (p[$0] - t[$0]) })
        }
    }

    /// Steps `optimizer` once per learning rate, starting from `parameters`.
    static func run<O: Optimizer>(
        _ optimizer: inout O, learningRates: [Float], from parameters: [Tensor] = initialParameters
    ) -> [Tensor] {
        var parameters = parameters
        for learningRate in learningRates {
            optimizer.step(
                parameters: &parameters, gradients: gradients(at: parameters), learningRate: learningRate)
        }
        return parameters
    }
}

/// Asserts two lists of tensors have equal shapes and bit-identical elements.
func assertBitIdentical(
    _ actual: [Tensor], _ expected: [Tensor], file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.map(\.shape), expected.map(\.shape), file: file, line: line)
    XCTAssertEqual(
        actual.map { $0.scalars.map(\.bitPattern) }, expected.map { $0.scalars.map(\.bitPattern) },
        file: file, line: line)
}
