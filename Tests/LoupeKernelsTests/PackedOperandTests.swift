import Dispatch
import LoupeKernels
import XCTest

final class PackedOperandTests: XCTestCase {
    func randomArray(_ count: Int, _ rng: inout SystemRandomNumberGenerator) -> [Float] {
        (0..<count).map { _ in Float.random(in: -1...1, using: &rng) }
    }

    /// A product given pre-packed operands equals, bit for bit, the product that packs them
    /// itself: every path, every transposition, ragged tiles, several depth slices (k = 600)
    /// and several column blocks (n = 2100 > 2048), with beta accumulating.
    func testPrepackedProductsEqualPackingProducts() {
        var rng = SystemRandomNumberGenerator()
        let shapes = [(1, 1, 1), (7, 17, 9), (13, 33, 257), (97, 50, 600), (9, 2100, 5), (64, 256, 196)]
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for (m, n, k) in shapes {
                for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                    let lda = (ta ? m : k) + 1
                    let ldb = (tb ? k : n) + 2
                    let a = randomArray((ta ? k : m) * lda, &rng)
                    let b = randomArray((tb ? n : k) * ldb, &rng)
                    let c = randomArray(m * n, &rng)
                    var expected = c
                    GEMM.multiply(
                        transposeA: ta, transposeB: tb, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                        beta: 0.5, c: &expected, ldc: n, path: path)
                    let packedA = PackedOperand(
                        side: .left, rows: m, columns: k, source: a, rowStride: lda, isTransposed: ta, path: path)
                    let packedB = PackedOperand(
                        side: .right, rows: k, columns: n, source: b, rowStride: ldb, isTransposed: tb, path: path)
                    for (useA, useB) in [(true, false), (false, true), (true, true)] {
                        var actual = c
                        GEMM.multiply(
                            transposeA: ta, transposeB: tb, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                            beta: 0.5, c: &actual, ldc: n, path: path,
                            packedA: useA ? packedA : nil, packedB: useB ? packedB : nil)
                        XCTAssertEqual(
                            actual, expected, "\(path) m=\(m) n=\(n) k=\(k) tA=\(ta) tB=\(tb) A=\(useA) B=\(useB)")
                    }
                }
            }
        }
    }

    func testCacheReturnsOnePackedFormPerLayout() {
        let weights: [Float] = (0..<12).map(Float.init)
        let cache = PackedOperandCache()
        let first = cache.operand(side: .right, rows: 3, columns: 4, source: weights, rowStride: 4, isTransposed: false)
        let again = cache.operand(side: .right, rows: 3, columns: 4, source: weights, rowStride: 4, isTransposed: false)
        XCTAssertTrue(first === again)
        let transposed = cache.operand(
            side: .right, rows: 4, columns: 3, source: weights, rowStride: 4, isTransposed: true)
        let left = cache.operand(side: .left, rows: 3, columns: 4, source: weights, rowStride: 4, isTransposed: false)
        XCTAssertFalse(transposed === first)
        XCTAssertFalse(left === first)
        XCTAssertEqual(cache.count, 3)
    }

    /// Threads asking for the same form at once get one packed operand.
    func testConcurrentRequestsShareOnePackedForm() {
        final class Shared: @unchecked Sendable {
            let weights: UnsafeMutablePointer<Float>
            let cache = PackedOperandCache()
            let lock = NSLock()
            var operands: [PackedOperand] = []
            init() {
                weights = .allocate(capacity: 300 * 200)
                for index in 0..<(300 * 200) { weights[index] = Float(index % 13) }
            }
            deinit { weights.deallocate() }
        }
        let shared = Shared()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let operand = shared.cache.operand(
                side: .right, rows: 200, columns: 300, source: shared.weights, rowStride: 300, isTransposed: true)
            shared.lock.lock()
            shared.operands.append(operand)
            shared.lock.unlock()
        }
        XCTAssertEqual(shared.cache.count, 1)
        XCTAssertEqual(shared.operands.count, 8)
        XCTAssertTrue(shared.operands.allSatisfy { $0 === shared.operands[0] })
    }

    /// Retired forms repacked with new values, slice by slice on two threads, compute bit for
    /// bit what freshly packed forms compute: every path, both sides and transpositions, one
    /// and several depth slices (k = 600). A form someone holds is left alone.
    func testRetiredFormsRepackedInSlicesEqualFreshForms() {
        var rng = SystemRandomNumberGenerator()
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for (m, n, k) in [(13, 33, 600), (7, 40, 9)] {
                for transposed in [false, true] {
                    let lda = transposed ? m : k
                    let ldb = transposed ? k : n
                    let (oldA, oldB) = (randomArray(m * k, &rng), randomArray(k * n, &rng))
                    let (newA, newB) = (randomArray(m * k, &rng), randomArray(k * n, &rng))
                    let (cacheA, cacheB) = (PackedOperandCache(), PackedOperandCache())
                    let idA = ObjectIdentifier(
                        cacheA.operand(
                            side: .left, rows: m, columns: k, source: oldA, rowStride: lda, isTransposed: transposed,
                            path: path))
                    let idB = ObjectIdentifier(
                        cacheB.operand(
                            side: .right, rows: k, columns: n, source: oldB, rowStride: ldb, isTransposed: transposed,
                            path: path))
                    // (the forms are not held here: only the caches refer to them)
                    cacheA.retireOperands()
                    cacheB.retireOperands()
                    XCTAssertEqual(cacheA.count, 0)
                    newA.withUnsafeBufferPointer { a in
                        newB.withUnsafeBufferPointer { b in
                            PackedOperandCache.repackRetired(
                                [(cacheA, a.baseAddress!), (cacheB, b.baseAddress!)], threads: 2)
                        }
                    }
                    XCTAssertEqual(cacheA.count, 1)
                    let repackedA = cacheA.operand(
                        side: .left, rows: m, columns: k, source: newA, rowStride: lda, isTransposed: transposed,
                        path: path)
                    let repackedB = cacheB.operand(
                        side: .right, rows: k, columns: n, source: newB, rowStride: ldb, isTransposed: transposed,
                        path: path)
                    XCTAssertEqual(ObjectIdentifier(repackedA), idA, "the retired memory is reused")
                    XCTAssertEqual(ObjectIdentifier(repackedB), idB)
                    var expected = [Float](repeating: 0, count: m * n)
                    GEMM.multiply(
                        transposeA: transposed, transposeB: transposed, m: m, n: n, k: k, a: newA, lda: lda, b: newB,
                        ldb: ldb, c: &expected, ldc: n, path: path)
                    var actual = [Float](repeating: 0, count: m * n)
                    GEMM.multiply(
                        transposeA: transposed, transposeB: transposed, m: m, n: n, k: k, a: newA, lda: lda, b: newB,
                        ldb: ldb, c: &actual, ldc: n, path: path, packedA: repackedA, packedB: repackedB)
                    XCTAssertEqual(actual, expected, "\(path) m=\(m) n=\(n) k=\(k) transposed=\(transposed)")

                    // Held: the form keeps the values it was packed from, and the cache packs anew.
                    cacheB.retireOperands()
                    oldB.withUnsafeBufferPointer {
                        PackedOperandCache.repackRetired([(cacheB, $0.baseAddress!)], threads: 2)
                    }
                    XCTAssertEqual(cacheB.count, 0, "a held form stays retired")
                    var held = [Float](repeating: 0, count: m * n)
                    GEMM.multiply(
                        transposeA: transposed, transposeB: transposed, m: m, n: n, k: k, a: newA, lda: lda, b: newB,
                        ldb: ldb, c: &held, ldc: n, path: path, packedB: repackedB)
                    XCTAssertEqual(held, expected)
                }
            }
        }
    }

    /// Tensors that share a cache list it twice: it is repacked once, without waiting on itself.
    func testRepackingACacheListedTwice() {
        let (old, new): ([Float], [Float]) = ((0..<12).map(Float.init), (0..<12).map { Float($0) * -2 })
        let cache = PackedOperandCache()
        _ = cache.operand(side: .right, rows: 3, columns: 4, source: old, rowStride: 4, isTransposed: false)
        cache.retireOperands()
        new.withUnsafeBufferPointer {
            PackedOperandCache.repackRetired([(cache, $0.baseAddress!), (cache, $0.baseAddress!)], threads: 2)
        }
        XCTAssertEqual(cache.count, 1)
        let form = cache.operand(side: .right, rows: 3, columns: 4, source: new, rowStride: 4, isTransposed: false)
        let a: [Float] = [1, 2, 3]
        var expected = [Float](repeating: 0, count: 4)
        var actual = expected
        GEMM.multiply(m: 1, n: 4, k: 3, a: a, lda: 3, b: new, ldb: 4, c: &expected, ldc: 4)
        GEMM.multiply(m: 1, n: 4, k: 3, a: a, lda: 3, b: new, ldb: 4, c: &actual, ldc: 4, packedB: form)
        XCTAssertEqual(actual, expected)
    }
}
