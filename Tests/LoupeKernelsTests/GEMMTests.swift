import LoupeKernels
import XCTest

/// Naive triple loop in Double: the independent reference every GEMM path is compared with.
func naiveProduct(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: [Float], lda: Int, b: [Float], ldb: Int, beta: Float, c: [Float], ldc: Int
) -> [Float] {
    var result = c
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for p in 0..<k {
                let x = transposeA ? a[p * lda + i] : a[i * lda + p]
                let y = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                sum += Double(x) * Double(y)
            }
            let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
            result[i * ldc + j] = Float(Double(alpha) * sum + old)
        }
    }
    return result
}

final class GEMMTests: XCTestCase {
    func randomArray(_ count: Int, _ rng: inout SystemRandomNumberGenerator) -> [Float] {
        (0..<count).map { _ in Float.random(in: -1...1, using: &rng) }
    }

    /// Every kernel path, every transposition, ragged sizes around the 6 x 16 and 8 x 32 tiles
    /// and the 256/384-deep and 96-row blocks, padded leading dimensions, and alpha/beta variants.
    func testAllPathsMatchNaiveReference() {
        var rng = SystemRandomNumberGenerator()
        let shapes = [
            (1, 1, 1), (5, 7, 3), (6, 16, 8), (7, 17, 9), (13, 33, 257), (97, 50, 300),
            (128, 10, 128), (12, 160, 5), (200, 31, 600), (8, 32, 256), (9, 33, 257), (15, 63, 385),
            (17, 95, 40),
        ]
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for (m, n, k) in shapes {
                for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                    for (alpha, beta): (Float, Float) in [(1, 0), (0.5, 1), (-2, 0.25)] {
                        let lda = (ta ? m : k) + 3
                        let ldb = (tb ? k : n) + 1
                        let ldc = n + 2
                        let a = randomArray((ta ? k : m) * lda, &rng)
                        let b = randomArray((tb ? n : k) * ldb, &rng)
                        var c = randomArray(m * ldc, &rng)
                        let expected = naiveProduct(
                            transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha,
                            a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
                        GEMM.multiply(
                            transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha,
                            a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: &c, ldc: ldc, path: path)
                        var worst: Float = 0
                        for i in 0..<m {
                            for j in 0..<n {
                                worst = max(worst, abs(c[i * ldc + j] - expected[i * ldc + j]))
                            }
                        }
                        XCTAssertLessThan(
                            worst, 1e-4 * Float(k).squareRoot() * max(1, abs(alpha)) + 1e-5,
                            "\(path) m=\(m) n=\(n) k=\(k) tA=\(ta) tB=\(tb) alpha=\(alpha) beta=\(beta)")
                    }
                }
            }
        }
    }

    /// A B operand given by row starts (the padded convolution lowering) against the naive
    /// product of the rows gathered into a plain matrix: every path, ragged panels, several
    /// depth slices, overlapping rows.
    func testRowOffsetOperandMatchesGatheredRows() {
        var rng = SystemRandomNumberGenerator()
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for (m, n, k) in [
                (5, 7, 3), (9, 224, 288), (33, 840, 9), (8, 40, 600), (64, 288, 224), (7, 45, 37), (3, 2100, 5),
            ] {
                for transposed in [false, true] {
                    // Stored rows: k of length n, or (transposed) n of length k.
                    let (rows, length) = transposed ? (n, k) : (k, n)
                    let storage = randomArray(length + 3 * rows + 64, &rng)
                    let offsets = (0..<rows).map { ($0 * 37 + $0 % 3) % (3 * rows + 64 - 1) }
                    let gathered = offsets.flatMap { Array(storage[$0..<($0 + length)]) }
                    let a = randomArray(m * k, &rng)
                    var c = randomArray(m * n, &rng)
                    let expected = naiveProduct(
                        transposeA: false, transposeB: transposed, m: m, n: n, k: k, alpha: 1, a: a, lda: k,
                        b: gathered, ldb: length, beta: 1, c: c, ldc: n)
                    GEMM.multiply(
                        transposeB: transposed, m: m, n: n, k: k, a: a, lda: k, b: storage, ldb: 0, beta: 1, c: &c,
                        ldc: n, path: path, bRowOffsets: offsets)
                    let worst = zip(c, expected).map { abs($0 - $1) }.max()!
                    XCTAssertLessThan(
                        worst, 1e-4 * Float(k).squareRoot() + 1e-5, "\(path) m=\(m) n=\(n) k=\(k) tB=\(transposed)")
                }
            }
        }
    }

    /// A row of C does not depend on the rows computed with it: any run of 1 to 12 rows, which
    /// the micro-kernels take in full, narrow (up to four rows) and ragged tiles, is bit for
    /// bit those rows of the 12-row product, A read in place or packed (transposed), every path.
    func testARowsProductDoesNotDependOnTheRowsBesideIt() {
        var rng = SystemRandomNumberGenerator()
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for (n, k) in [(45, 37), (64, 300), (7, 5)] {
                let a = randomArray(12 * k, &rng)
                let b = randomArray(k * n, &rng)
                for transposeA in [false, true] {
                    // Transposed, column i of the stored k x 12 matrix is row i of op(A).
                    let stored = transposeA ? (0..<k * 12).map { a[$0 % 12 * k + $0 / 12] } : a
                    var full = [Float](repeating: .nan, count: 12 * n)
                    GEMM.multiply(
                        transposeA: transposeA, m: 12, n: n, k: k, a: stored, lda: transposeA ? 12 : k, b: b, ldb: n,
                        c: &full, ldc: n, path: path)
                    for m in 1...12 {
                        for first in [0, 12 - m] {
                            var rows = [Float](repeating: .nan, count: m * n)
                            stored.withUnsafeBufferPointer { s in
                                GEMM.multiply(
                                    transposeA: transposeA, m: m, n: n, k: k,
                                    a: s.baseAddress! + (transposeA ? first : first * k), lda: transposeA ? 12 : k,
                                    b: b, ldb: n, c: &rows, ldc: n, path: path)
                            }
                            XCTAssertEqual(
                                rows.map(\.bitPattern), full[(first * n)..<((first + m) * n)].map(\.bitPattern),
                                "\(path) rows \(first)..<\(first + m) of n=\(n) k=\(k), transposed \(transposeA)")
                        }
                    }
                }
            }
        }
    }

    /// A transposed A and a row-major B whose stored rows are short (64 values at most) are
    /// read in place: bit for bit the product of the same values stored in wider rows, which
    /// are packed, and close to the naive product. Every path, ragged and narrow row tiles,
    /// B whole panels or not (then packed), several depth slices, beta 0 and 1.
    func testShortRowsReadInPlaceAreThePackedProduct() {
        var rng = SystemRandomNumberGenerator()
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for (m, n, k) in [(16, 16, 128), (32, 32, 700), (5, 16, 7), (64, 48, 129), (13, 64, 40), (16, 20, 9)] {
                for beta: Float in [0, 1] {
                    // A stored k x m (transposed), B k x n: in short rows, and copied into rows of 80.
                    let (a, b) = (randomArray(k * m, &rng), randomArray(k * n, &rng))
                    func widened(_ x: [Float], _ length: Int) -> [Float] {
                        (0..<(k * 80)).map { $0 % 80 < length ? x[$0 / 80 * length + $0 % 80] : .nan }
                    }
                    let start = randomArray(m * n, &rng)
                    var (inPlace, packed) = (start, start)
                    GEMM.multiply(
                        transposeA: true, m: m, n: n, k: k, a: a, lda: m, b: b, ldb: n, beta: beta, c: &inPlace,
                        ldc: n, path: path)
                    GEMM.multiply(
                        transposeA: true, m: m, n: n, k: k, a: widened(a, m), lda: 80, b: widened(b, n), ldb: 80,
                        beta: beta, c: &packed, ldc: n, path: path)
                    XCTAssertEqual(
                        inPlace.map(\.bitPattern), packed.map(\.bitPattern), "\(path) m=\(m) n=\(n) k=\(k) beta=\(beta)"
                    )
                    let naive = naiveProduct(
                        transposeA: true, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: m, b: b, ldb: n,
                        beta: beta, c: start, ldc: n)
                    XCTAssertLessThan(
                        zip(inPlace, naive).map { abs($0 - $1) }.max()!, 1e-4 * Float(k).squareRoot() + 1e-5,
                        "\(path) m=\(m) n=\(n) k=\(k)")
                }
            }
        }
    }

    /// An A operand given by row starts, read in place, is bit for bit the product with its
    /// rows gathered into a plain matrix (and close to the naive one): every path, ragged row
    /// tiles (including narrow ones), ragged panels, several depth slices, overlapping rows.
    func testRowOffsetLeftOperandIsTheGatheredProduct() {
        var rng = SystemRandomNumberGenerator()
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for (m, n, k) in [(13, 16, 289), (144, 32, 600), (7, 45, 37), (100, 64, 9), (3, 5, 1000)] {
                let storage = randomArray(k + 3 * m + 64, &rng)
                let offsets = (0..<m).map { ($0 * 37 + $0 % 3) % (3 * m + 64 - 1) }
                let gathered = offsets.flatMap { Array(storage[$0..<($0 + k)]) }
                let b = randomArray(n * k, &rng)
                let start = randomArray(m * n, &rng)
                var expected = start
                GEMM.multiply(
                    transposeB: true, m: m, n: n, k: k, a: gathered, lda: k, b: b, ldb: k, beta: 1, c: &expected,
                    ldc: n, path: path)
                var c = start
                GEMM.multiply(
                    transposeB: true, m: m, n: n, k: k, a: storage, lda: 0, b: b, ldb: k, beta: 1, c: &c, ldc: n,
                    path: path, aRowOffsets: offsets)
                XCTAssertEqual(c.map(\.bitPattern), expected.map(\.bitPattern), "\(path) m=\(m) n=\(n) k=\(k)")
                let naive = naiveProduct(
                    transposeA: false, transposeB: true, m: m, n: n, k: k, alpha: 1, a: gathered, lda: k, b: b,
                    ldb: k, beta: 1, c: start, ldc: n)
                XCTAssertLessThan(zip(c, naive).map { abs($0 - $1) }.max()!, 1e-4 * Float(k).squareRoot() + 1e-5)
            }
        }
    }

    /// A B operand given by row starts and column offsets (several padded images' output
    /// positions) is, bit for bit, the product with the same matrix gathered into a plain
    /// one: every path, runs of 1 to 40 consecutive columns, ragged panels, several slices.
    func testColumnOffsetOperandIsTheGatheredProduct() {
        var rng = SystemRandomNumberGenerator()
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for (m, k, run, runs) in [(5, 3, 1, 7), (9, 288, 4, 50), (33, 600, 8, 9), (16, 37, 16, 5), (7, 9, 40, 3)] {
                let n = run * runs
                // Runs `run` long, `run + 3` apart, so the gap between them is skipped.
                let columnOffsets = (0..<n).map { $0 / run * (run + 3) + $0 % run }
                let storage = randomArray(runs * (run + 3) + 2 * k + 8, &rng)
                let rowOffsets = (0..<k).map { ($0 * 7 + $0 % 3) % (2 * k + 1) }
                let gathered = rowOffsets.flatMap { row in columnOffsets.map { storage[row + $0] } }
                let a = randomArray(m * k, &rng)
                for beta: Float in [0, 1] {
                    let start = randomArray(m * n, &rng)
                    var (c, expected) = (start, start)
                    GEMM.multiply(
                        m: m, n: n, k: k, a: a, lda: k, b: gathered, ldb: n, beta: beta, c: &expected, ldc: n,
                        path: path)
                    GEMM.multiply(
                        m: m, n: n, k: k, a: a, lda: k, b: storage, ldb: 0, beta: beta, c: &c, ldc: n, path: path,
                        bRowOffsets: rowOffsets, bColumnOffsets: columnOffsets)
                    XCTAssertEqual(
                        c.map(\.bitPattern), expected.map(\.bitPattern), "\(path) m=\(m) k=\(k) run=\(run) beta=\(beta)"
                    )
                }
            }
        }
    }

    func testEmptyDepthScalesC() {
        var c: [Float] = [1, 2, 3, 4]
        GEMM.multiply(m: 2, n: 2, k: 0, a: [], lda: 1, b: [], ldb: 2, beta: 0.5, c: &c, ldc: 2)
        XCTAssertEqual(c, [0.5, 1, 1.5, 2])
    }

    func testForcedPathNeverExceedsSupported() {
        XCTAssertLessThanOrEqual(KernelPath.active, KernelPath.supported)
    }
}
