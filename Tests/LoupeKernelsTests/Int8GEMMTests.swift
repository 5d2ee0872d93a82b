import XCTest

@testable import LoupeKernels

/// A small deterministic generator for the int8 tests' data (64-bit LCG, high bits).
struct TestNumbers {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }
    mutating func int8() -> Int8 { Int8(next(256) - 128) }
}

/// `sum_d a[i][d] * w[j][d]` in Int64, truncated to Int32 as wrapping hardware does: the
/// independent reference of every int8 product path.
private func naiveInt8Product(m: Int, n: Int, k: Int, a: [Int8], lda: Int, w: [Int8]) -> [Int32] {
    var c = [Int32](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var sum: Int64 = 0
            for d in 0..<k { sum += Int64(a[i * lda + d]) * Int64(w[j * k + d]) }
            c[i * n + j] = Int32(truncatingIfNeeded: sum)
        }
    }
    return c
}

final class Int8GEMMTests: XCTestCase {
    /// Runs `Int8GEMM` on `path` with output stride `ldc` and returns the `m x n` result (the
    /// padding columns of C must be left untouched).
    private func product(
        _ path: IntegerKernelPath, m: Int, n: Int, k: Int, a: [Int8], lda: Int, w: [Int8], ldc: Int, threads: Int = 1
    ) -> [Int32] {
        let weights = w.withUnsafeBufferPointer { Int8PackedWeights($0, outputs: n, inputs: k, path: path)! }
        var c = [Int32](repeating: 7, count: m * ldc)
        Int8GEMM.multiply(m: m, a: a, lda: lda, weights: weights, c: &c, ldc: ldc, threads: threads)
        for i in 0..<m {
            XCTAssertEqual(c[(i * ldc + n)..<((i + 1) * ldc)].filter { $0 != 7 }, [], "\(path) wrote padding")
        }
        return (0..<m).flatMap { c[($0 * ldc)..<($0 * ldc + n)] }
    }

    /// Every path the CPU can run equals the naive product bit for bit, on shapes that are
    /// and are not multiples of the tiles (6 x 16, 8 x 32), depths across several depth
    /// slices (512 for AVX2, 512 for VNNI), odd depths, empty depth, and strided rows.
    func testEveryRunnablePathMatchesTheNaiveProduct() {
        var numbers = TestNumbers(state: 18)
        var shapes = [(1, 1, 1), (6, 16, 2), (7, 17, 3), (12, 32, 8), (5, 15, 0), (73, 33, 1030), (97, 70, 513)]
        for _ in 0..<25 { shapes.append((1 + numbers.next(110), 1 + numbers.next(80), numbers.next(700))) }
        XCTAssertTrue(IntegerKernelPath.runnable.contains(.generic))
        if KernelPath.supported >= .avx2 { XCTAssertTrue(IntegerKernelPath.runnable.contains(.avx2)) }
        for (m, n, k) in shapes {
            let lda = k + numbers.next(3)
            let a = (0..<(m * lda)).map { _ in numbers.int8() }
            let w = (0..<(n * k)).map { _ in numbers.int8() }
            let expected = naiveInt8Product(m: m, n: n, k: k, a: a, lda: lda, w: w)
            for path in IntegerKernelPath.runnable {
                let ldc = n + numbers.next(3)
                XCTAssertEqual(
                    product(path, m: m, n: n, k: k, a: a, lda: lda, w: w, ldc: ldc), expected, "\(path) \(m)x\(n)x\(k)")
            }
        }
    }

    /// The extreme codes -128 and 127 in every combination, at a depth where the Int32 sum
    /// is far from 0: no int16 stage saturates.
    func testExtremeCodesAreExact() {
        let (m, n, k) = (13, 35, 600)
        for (x, y) in [(Int8(-128), Int8(-128)), (-128, 127), (127, -128), (127, 127)] {
            let a = (0..<(m * k)).map { $0 % 5 == 4 ? y : x }
            let w = (0..<(n * k)).map { $0 % 7 == 6 ? x : y }
            let expected = naiveInt8Product(m: m, n: n, k: k, a: a, lda: k, w: w)
            for path in IntegerKernelPath.runnable {
                XCTAssertEqual(
                    product(path, m: m, n: n, k: k, a: a, lda: k, w: w, ldc: n), expected, "\(path) \(x) \(y)")
            }
        }
    }

    /// Rows split across threads give the same result as one thread.
    func testThreadCountDoesNotChangeTheResult() {
        var numbers = TestNumbers(state: 3)
        let (m, n, k) = (301, 40, 77)
        let a = (0..<(m * k)).map { _ in numbers.int8() }
        let w = (0..<(n * k)).map { _ in numbers.int8() }
        let expected = naiveInt8Product(m: m, n: n, k: k, a: a, lda: k, w: w)
        for path in IntegerKernelPath.runnable {
            for threads in [1, 2, 3] {
                XCTAssertEqual(
                    product(path, m: m, n: n, k: k, a: a, lda: k, w: w, ldc: n, threads: threads), expected,
                    "\(path), \(threads) threads")
            }
        }
    }

    /// The integer path follows the float one: `LOUPE_KERNELS=generic` forces the portable
    /// loop, `avx2` the AVX2 one, and `avx512` VNNI only on CPUs that have it.
    func testDispatchFollowsTheKernelPath() {
        XCTAssertEqual(KernelPath.resolved(requested: "generic", supported: .avx512), .generic)
        XCTAssertEqual(KernelPath.resolved(requested: "AVX2", supported: .avx512), .avx2)
        XCTAssertEqual(KernelPath.resolved(requested: "avx512", supported: .avx2), .avx2)
        XCTAssertEqual(KernelPath.resolved(requested: nil, supported: .avx2), .avx2)
        XCTAssertEqual(KernelPath.resolved(requested: "fast", supported: .avx2), .avx2)
        XCTAssertEqual(IntegerKernelPath(KernelPath.resolved(requested: "generic", supported: .avx512)), .generic)
        XCTAssertEqual(IntegerKernelPath(.avx2, hasVNNI: true), .avx2)
        XCTAssertEqual(IntegerKernelPath(.avx512, hasVNNI: false), .avx2)
        XCTAssertEqual(IntegerKernelPath(.avx512, hasVNNI: true), .avx512VNNI)
        XCTAssertEqual(IntegerKernelPath.active, IntegerKernelPath(KernelPath.active))
        XCTAssertEqual(IntegerKernelPath.runnable.contains(.avx512VNNI), IntegerKernelPath.cpuHasVNNI)
        let weights = [Int8](repeating: 1, count: 4).withUnsafeBufferPointer {
            Int8PackedWeights($0, outputs: 2, inputs: 2)!
        }
        XCTAssertEqual(weights.path, IntegerKernelPath.active)
        XCTAssertEqual(weights.columnSums, [2, 2])
    }

    /// Column sums wrap like the products and count every input of the column.
    func testColumnSums() {
        let w: [Int8] = [-128, -128, 127, 1, 2, 3]
        let weights = w.withUnsafeBufferPointer { Int8PackedWeights($0, outputs: 2, inputs: 3, path: .generic)! }
        XCTAssertEqual(weights.columnSums, [-129, 6])
    }

    /// The int8 lowering of a convolution equals a naive gather, with the fill in the padding.
    func testInt8RowsMatchNaiveLowering() {
        var numbers = TestNumbers(state: 9)
        for (channels, height, width, kernel, stride, padding) in [
            (1, 5, 5, 3, 1, 1), (3, 7, 6, 3, 2, 1), (2, 4, 9, 2, 1, 0), (2, 6, 5, 5, 2, 2),
        ] {
            let geometry = ConvolutionGeometry(
                channels: channels, height: height, width: width, kernelHeight: kernel, kernelWidth: kernel,
                stride: stride, padding: padding)
            let image = (0..<(channels * height * width)).map { _ in numbers.int8() }
            let spatial = geometry.outputHeight * geometry.outputWidth
            var rows = [Int8](repeating: 0, count: spatial * geometry.patchSize)
            image.withUnsafeBufferPointer { image in
                rows.withUnsafeMutableBufferPointer {
                    geometry.int8Rows(image.baseAddress!, fill: -77, into: $0.baseAddress!)
                }
            }
            var expected: [Int8] = []
            for oy in 0..<geometry.outputHeight {
                for ox in 0..<geometry.outputWidth {
                    for c in 0..<channels {
                        for ky in 0..<kernel {
                            for kx in 0..<kernel {
                                let (y, x) = (oy * stride - padding + ky, ox * stride - padding + kx)
                                let inside = y >= 0 && y < height && x >= 0 && x < width
                                expected.append(inside ? image[(c * height + y) * width + x] : -77)
                            }
                        }
                    }
                }
            }
            XCTAssertEqual(rows, expected, "\(geometry)")
        }
    }
}
