import LoupeAttribution
import LoupeRandom
import LoupeTensor
import XCTest

final class GaussianBlurTests: XCTestCase {
    func testKernelIsANormalisedGaussianOfRadiusThreeSigma() {
        let blur = GaussianBlur(sigma: 2)
        XCTAssertEqual(blur.radius, 6)
        XCTAssertEqual(blur.kernel.count, 13)
        XCTAssertEqual(blur.kernel.reduce(0, +), 1, accuracy: 1e-12)
        XCTAssertEqual(blur.kernel[6] / blur.kernel[8], exp(4.0 / 8.0), accuracy: 1e-12)  // exp(-0) / exp(-4/8)
        XCTAssertEqual(GaussianBlur(sigma: 0.5).radius, 2)
    }

    /// The separable blur equals a direct two-dimensional convolution with the outer product
    /// of the kernel, over every output pixel.
    func testEqualsNaiveTwoDimensionalConvolution() {
        let blur = GaussianBlur(sigma: 1)  // radius 3
        let (height, width) = (9, 11)
        var generator = SeededGenerator(seed: 4)
        let plane = (0..<(height * width)).map { _ in Double(generator.nextNormal()) }
        let blurred = blur.blurValid(plane, height: height, width: width)
        let (outHeight, outWidth) = (height - 6, width - 6)
        XCTAssertEqual(blurred.count, outHeight * outWidth)
        for y in 0..<outHeight {
            for x in 0..<outWidth {
                var sum = 0.0
                for dy in -3...3 {
                    for dx in -3...3 {
                        let weight =
                            exp(-Double(dy * dy) / 2) * exp(-Double(dx * dx) / 2)
                            / pow((-3...3).map { exp(-Double($0 * $0) / 2) }.reduce(0, +), 2)
                        sum += weight * plane[(y + 3 + dy) * width + (x + 3 + dx)]
                    }
                }
                XCTAssertEqual(blurred[y * outWidth + x], sum, accuracy: 1e-12)
            }
        }
    }

    /// A constant passes unchanged; the highest frequency (a checkerboard) is removed; white
    /// noise loses most of its pixel-to-pixel variation.
    func testRemovesHighFrequencies() {
        let blur = GaussianBlur(sigma: 2)
        let (height, width) = (30, 30)
        let constant = blur.blurValid([Double](repeating: 0.7, count: height * width), height: height, width: width)
        for value in constant { XCTAssertEqual(value, 0.7, accuracy: 1e-12) }
        let checkerboard = (0..<(height * width)).map { Double(($0 / width + $0 % width) % 2 == 0 ? 1 : -1) }
        for value in blur.blurValid(checkerboard, height: height, width: width) {
            XCTAssertLessThan(abs(value), 1e-3)
        }
        var generator = SeededGenerator(seed: 8)
        let noise = (0..<(height * width)).map { _ in Double(generator.nextNormal()) }
        func roughness(_ plane: [Double], width: Int) -> Double {
            // mean squared difference of horizontal neighbours over the variance
            let mean = plane.reduce(0, +) / Double(plane.count)
            let variance = plane.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(plane.count)
            var total = 0.0
            var pairs = 0
            for index in plane.indices where index % width != width - 1 {
                total += (plane[index + 1] - plane[index]) * (plane[index + 1] - plane[index])
                pairs += 1
            }
            return total / Double(pairs) / variance
        }
        XCTAssertGreaterThan(roughness(noise, width: width), 1.5)  // about 2 for white noise
        XCTAssertLessThan(roughness(blur.blurValid(noise, height: height, width: width), width: width - 12), 0.2)
    }
}
