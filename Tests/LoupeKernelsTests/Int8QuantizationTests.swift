import XCTest

@testable import LoupeKernels

final class Int8QuantizationTests: XCTestCase {
    /// Every path equals the scalar formula, `clamp(round_half_even(x / s) + zp)` in Float: ties
    /// round to even, both clamps are reached, and the tail after the vector part is covered.
    func testCodesMatchTheScalarFormulaOnEveryPath() {
        let scale: Float = 0.25
        var values: [Float] = [0.125, 0.375, -0.125, -0.625, 0, -0, 1e9, -1e9, 31.87, -32.1, 0.1, 3.3, 64]
        values += (0..<101).map { Float($0) * 0.0371 - 2 }
        for zeroPoint in [-128, -5, 0, 127] {
            let expected = values.map {
                Int8(min(max((($0 / scale).rounded(.toNearestOrEven) + Float(zeroPoint)), -128), 127))
            }
            for path in IntegerKernelPath.runnable {
                var codes = [Int8](repeating: 99, count: values.count)
                values.withUnsafeBufferPointer { values in
                    codes.withUnsafeMutableBufferPointer {
                        Int8Quantization.codes(values, scale: scale, zeroPoint: zeroPoint, into: $0, path: path)
                    }
                }
                XCTAssertEqual(codes, expected, "\(path), zero point \(zeroPoint)")
            }
        }
        XCTAssertEqual(
            [Float(0.125), 0.375, -0.125].map { Int8(($0 / scale).rounded(.toNearestOrEven)) }, [0, 2, 0],
            "the inputs include ties")
    }
}
