import Foundation
import LoupeKernels
import LoupeRandom
import XCTest

@testable import LoupeTensor

/// The vectorised exp, log, tanh and sigmoid against the C library, in units in the last place,
/// on every kernel path this CPU has (which must agree bit for bit).
final class VectorMathTests: XCTestCase {
    func ulps(_ a: Float, _ b: Float) -> Int {
        if a == b || (a.isNaN && b.isNaN) { return 0 }
        if !a.isFinite || !b.isFinite { return Int.max }
        let (x, y) = (Int64(Int32(bitPattern: a.bitPattern)), Int64(Int32(bitPattern: b.bitPattern)))
        let (ordered, other) = (x < 0 ? Int64(Int32.min) - x : x, y < 0 ? Int64(Int32.min) - y : y)
        return Int(abs(ordered - other))
    }

    func worst(_ values: [Float], _ function: VectorFunction, _ scalar: (Float) -> Float) -> (ulps: Int, at: Float) {
        var result = (ulps: 0, at: Float.nan)
        for (value, computed) in zip(values, applied(function, values)) {
            let distance = ulps(computed, scalar(value))
            if distance > result.ulps { result = (distance, value) }
        }
        return result
    }

    /// `function` of `values` on every path (which must agree bit for bit), from the generic path.
    func applied(_ function: VectorFunction, _ values: [Float]) -> [Float] {
        var outputs: [[UInt32]] = []
        for path in KernelPath.allCases where path <= KernelPath.supported {
            var output = [Float](repeating: 0, count: values.count)
            values.withUnsafeBufferPointer { input in
                output.withUnsafeMutableBufferPointer { out in
                    VectorFunctions.apply(
                        function, input.baseAddress!, out.baseAddress!, count: values.count, path: path)
                }
            }
            outputs.append(output.map(\.bitPattern))
        }
        for output in outputs.dropFirst() { XCTAssertEqual(output, outputs[0], "\(function): the paths differ") }
        return outputs[0].map(Float.init(bitPattern:))
    }

    func testExpIsWithinTwoUlps() {
        var rng = SeededGenerator(seed: 3)
        var values = (0..<200_000).map { _ in (rng.nextUniform() * 2 - 1) * 104 }
        values += [0, -0.0, 1, -1, 88.72, 88.7228, -87.33, -103.9, -150, 100, 1e-8, -1e-8, 0.5 * .ulpOfOne]
        values += (0..<1001).map { Float($0) * 0.01 - 5 }  // softmax's usual range, with a tail of 9
        let (ulps, at) = worst(values, .exp, Foundation.exp)
        XCTAssertLessThanOrEqual(ulps, 2, "worst at \(at)")
    }

    func testLogIsWithinTwoUlps() {
        var rng = SeededGenerator(seed: 4)
        var values = (0..<200_000).map { _ in Foundation.exp((rng.nextUniform() * 2 - 1) * 87) }
        values += (0..<2000).map { Float(bitPattern: UInt32($0 * 4000 + 1)) }  // subnormals
        values += [1, 2, 0.5, 1.414_213_5, 1.414_213_6, .greatestFiniteMagnitude, .leastNormalMagnitude]
        let (ulps, at) = worst(values, .log, Foundation.log)
        XCTAssertLessThanOrEqual(ulps, 2, "worst at \(at)")
    }

    func testTanhAndSigmoidAreWithinThreeUlps() {
        var rng = SeededGenerator(seed: 5)
        var values = (0..<200_000).map { _ in (rng.nextUniform() * 2 - 1) * 12 }
        values += (0..<2001).map { Float($0) * 0.001 - 1 }  // around the 0.625 switch
        values += [0, -0.0, 0.625, -0.625, 0.624_999_9, 1e-8, -1e-30, 9, -9, 20, -20, 100, -100]
        let tanh = worst(values, .tanh, Foundation.tanh)
        XCTAssertLessThanOrEqual(tanh.ulps, 3, "worst at \(tanh.at)")
        // The logistic function has no C library twin: against 1 / (1 + exp(-x)) in Double.
        // Below -87 the value is subnormal (then 0, as the scalar formula gave).
        values = values.filter { $0 > -87 } + (0..<1000).map { -80 + Float($0) * 0.01 }
        let sigmoid = worst(values, .sigmoid) { Float(1 / (1 + Foundation.exp(-Double($0)))) }
        XCTAssertLessThanOrEqual(sigmoid.ulps, 3, "worst at \(sigmoid.at)")
        let special = applied(.tanh, [.infinity, -.infinity, .nan])
        XCTAssertEqual([special[0], special[1]], [1, -1])
        XCTAssertTrue(special[2].isNaN)
    }

    func testSpecialValues() {
        let exp = applied(.exp, [0, -.infinity, .infinity, .nan, 89, -105, 1])
        XCTAssertEqual(exp.prefix(3), [1, 0, .infinity])
        XCTAssertTrue(exp[3].isNaN)
        XCTAssertEqual(exp[4], .infinity)
        XCTAssertEqual(exp[5], 0)
        let log = applied(.log, [0, -1, .infinity, .nan, 1, .leastNonzeroMagnitude])
        XCTAssertEqual(log[0], -.infinity)
        XCTAssertTrue(log[1].isNaN)
        XCTAssertEqual(log[2], .infinity)
        XCTAssertTrue(log[3].isNaN)
        XCTAssertEqual(log[4], 0)
        XCTAssertEqual(log[5], Foundation.log(Float.leastNonzeroMagnitude), accuracy: 1e-5)
    }
}
