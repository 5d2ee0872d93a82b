import LoupeKernels
import LoupeTensor
import XCTest

/// A tensor's cache of packed forms must never serve values the tensor no longer holds.
final class PackedOperandCacheTests: XCTestCase {
    let input = Tensor(shape: [2, 3], scalars: [1, 2, 3, -1, 0.5, 2])

    /// `input * weightᵀ` and `input * weight`-shaped products computed without any cache.
    func reference(_ weight: [Float]) -> (forward: Tensor, backward: Tensor) {
        let plain = Tensor(shape: [3, 3], scalars: weight)
        return (input.matmul(plain, transposeOther: true), input.matmul(plain))
    }

    func cachedProducts(_ weight: Tensor) -> (forward: Tensor, backward: Tensor) {
        (input.matmul(weight, transposeOther: true), input.matmul(weight))
    }

    func testMutationsReplaceThePackedForms() {
        var weight = Tensor(shape: [3, 3], scalars: (0..<9).map(Float.init))
        weight.enablePackedOperandCache()
        XCTAssertEqual(input.matmul(weight, transposeOther: true), reference(weight.scalars).forward)
        XCTAssertEqual(weight.packedOperands?.count, 1)
        XCTAssertEqual(input.matmul(weight), reference(weight.scalars).backward)
        XCTAssertEqual(weight.packedOperands?.count, 2)

        weight.scalars[4] = 100  // through the subscript
        XCTAssertEqual(weight.packedOperands?.count, 0)
        XCTAssertEqual(cachedProducts(weight).forward, reference(weight.scalars).forward)

        weight.withUnsafeMutableBufferPointer { $0[0] = -7 }  // through the buffer
        XCTAssertEqual(cachedProducts(weight).backward, reference(weight.scalars).backward)

        weight.scalars = (0..<9).map { Float($0) * 0.5 }  // by assignment
        XCTAssertEqual(cachedProducts(weight).forward, reference(weight.scalars).forward)
        XCTAssertNotNil(weight.packedOperands, "the cache stays enabled across mutations")
    }

    /// A copy taken before a mutation keeps its own values and packed forms.
    func testCopiesKeepTheirOwnValues() {
        var weight = Tensor(shape: [3, 3], scalars: (0..<9).map(Float.init))
        weight.enablePackedOperandCache()
        let before = weight
        _ = cachedProducts(before)
        weight.scalars[0] = 50
        XCTAssertEqual(cachedProducts(before).forward, reference((0..<9).map(Float.init)).forward)
        XCTAssertEqual(cachedProducts(weight).forward, reference(weight.scalars).forward)
        XCTAssertEqual(before, Tensor(shape: [3, 3], scalars: (0..<9).map(Float.init)))
    }

    /// After an update of a tensor that alone owns its cache, the new form is packed into the
    /// old form's memory; a form someone still holds is left alone.
    func testUpdatesRepackIntoTheRetiredFormsUnlessTheyAreHeld() {
        var weight = Tensor(shape: [3, 3], scalars: (0..<9).map(Float.init))
        weight.enablePackedOperandCache()
        func form(_ tensor: Tensor) -> PackedOperand {
            tensor.withUnsafeBufferPointer {
                tensor.packedOperands!.operand(
                    side: .right, rows: 3, columns: 3, source: $0.baseAddress!, rowStride: 3, isTransposed: true)
            }
        }
        let first = ObjectIdentifier(form(weight))
        weight.scalars[2] = 40
        XCTAssertEqual(ObjectIdentifier(form(weight)), first, "repacked in place")
        XCTAssertEqual(cachedProducts(weight).forward, reference(weight.scalars).forward)

        let held = form(weight)
        weight.scalars[3] = -4
        XCTAssertNotEqual(ObjectIdentifier(form(weight)), ObjectIdentifier(held), "a held form is not repacked")
        XCTAssertEqual(cachedProducts(weight).forward, reference(weight.scalars).forward)
        var expected = (0..<9).map(Float.init)
        expected[2] = 40
        let product = input.withUnsafeBufferPointer { a in
            [Float](unsafeUninitializedCapacity: 6) { c, count in
                GEMM.multiply(
                    transposeB: true, m: 2, n: 3, k: 3, a: a.baseAddress!, lda: 3, b: a.baseAddress!, ldb: 3,
                    c: c.baseAddress!,
                    ldc: 3, packedB: held)
                count = 6
            }
        }
        XCTAssertEqual(
            product, reference(expected).forward.scalars, "the held form still has the values it was made from")
    }
}
