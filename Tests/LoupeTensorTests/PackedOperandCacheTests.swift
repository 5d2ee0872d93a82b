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
}
