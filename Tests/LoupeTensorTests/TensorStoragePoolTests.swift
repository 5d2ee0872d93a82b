import Foundation
import XCTest

@testable import LoupeTensor

final class TensorStoragePoolTests: XCTestCase {
    func address(_ storage: [Float]) -> UnsafePointer<Float>? { storage.withUnsafeBufferPointer { $0.baseAddress } }

    func testRecycledStorageServesTheNextRequestOfTheSameSize() {
        let pool = TensorStoragePool(capacityBytes: 1 << 20)
        var first = pool.storage(count: 2048)
        let original = address(first)
        pool.recycle(&first)
        XCTAssertTrue(first.isEmpty, "the caller's reference is taken")
        XCTAssertEqual(pool.bytesKept, 2048 * 4)
        XCTAssertNil(pool.storage(count: 4096).first(where: { _ in false }), "another size is not served")
        let second = pool.storage(count: 2048)
        XCTAssertEqual(address(second), original)
        XCTAssertEqual(second.count, 2048)
        XCTAssertEqual(pool.counts, .init(requests: 3, reuses: 1, recycled: 1))
        XCTAssertEqual(pool.bytesKept, 0)
    }

    /// A thread gets back the buffer it recycled itself before one another thread recycled.
    func testAThreadGetsItsOwnBufferBack() {
        let pool = TensorStoragePool(capacityBytes: 1 << 20)
        var mine = pool.storage(count: 2048)
        let own = address(mine)
        pool.recycle(&mine)
        // Another thread recycles a buffer of the same size after this one.
        let done = DispatchSemaphore(value: 0)
        let other = Thread {
            var theirs = pool.storage(count: 4096)
            pool.recycle(&theirs)
            var second = [Float](repeating: 0, count: 2048)
            pool.recycle(&second)
            done.signal()
        }
        other.start()
        done.wait()
        XCTAssertEqual(pool.bytesKept, (2048 + 4096 + 2048) * 4)
        XCTAssertEqual(address(pool.storage(count: 2048)), own, "this thread's buffer, not the later one")
        XCTAssertNotNil(address(pool.storage(count: 2048)), "then the other thread's")
        XCTAssertEqual(pool.counts.reuses, 2)
    }

    /// Storage another tensor still refers to is never handed out again.
    func testSharedStorageIsNotKept() {
        let pool = TensorStoragePool(capacityBytes: 1 << 20)
        var tensor = Tensor(shape: [2048], scalars: (0..<2048).map(Float.init))
        let copy = tensor
        pool.recycle(&tensor)
        XCTAssertEqual(tensor.shape, [0])
        XCTAssertEqual(pool.bytesKept, 0)
        var reused = pool.storage(count: 2048)
        reused.withUnsafeMutableBufferPointer { $0.update(repeating: 7) }
        XCTAssertEqual(copy.scalars, (0..<2048).map(Float.init))
        XCTAssertEqual(pool.counts.reuses, 0)
    }

    func testSmallBuffersAreLeftToTheAllocatorAndTheCapacityHolds() {
        let pool = TensorStoragePool(capacityBytes: 16 * 1024)
        var small = [Float](repeating: 1, count: TensorStoragePool.minimumCount - 1)
        pool.recycle(&small)
        XCTAssertEqual(pool.bytesKept, 0)
        var oversized = [Float](repeating: 1, count: 8192)
        pool.recycle(&oversized)
        XCTAssertEqual(pool.bytesKept, 0, "a buffer larger than the capacity is not kept")
        for expected in [8192, 16384, 8192] {
            var buffer = [Float](repeating: 1, count: 2048)
            pool.recycle(&buffer)
            XCTAssertEqual(pool.bytesKept, expected, "the pool empties itself rather than exceed its capacity")
        }
        pool.removeAll()
        XCTAssertEqual(pool.bytesKept, 0)
    }

    func testUniquenessOfArrays() {
        var array = [Float](repeating: 1, count: 10)
        XCTAssertTrue(array.isUniquelyReferenced)
        var copy = array
        XCTAssertFalse(array.isUniquelyReferenced)
        XCTAssertFalse(copy.isUniquelyReferenced)
        copy.append(2)  // copy-on-write gives `copy` storage of its own
        XCTAssertTrue(array.isUniquelyReferenced)
        XCTAssertTrue(copy.isUniquelyReferenced)
        var empty: [Float] = []
        XCTAssertFalse(empty.isUniquelyReferenced, "the shared empty array is never recycled")
    }

    /// A forward and backward pass, repeated: the second takes every buffer of at least
    /// `minimumCount` elements from what the first returned, and computes the same values.
    func testRepeatedPassesReuseTheirBuffers() {
        let x = Tensor(shape: [32, 64], scalars: (0..<2048).map { Float($0 % 17) / 17 - 0.4 })
        let w = Tensor(shape: [48, 64], scalars: (0..<3072).map { Float($0 % 13) / 13 - 0.5 })
        func pass() -> ([Float], [Float]) {
            let tape = Tape()
            let input = tape.variable(x)
            let hidden = input.linear(weight: tape.variable(w), bias: nil).relu()
            let loss = hidden.sum()
            let gradients = tape.gradients(of: loss)
            return (hidden.value.scalars.map { $0 }, gradients[input]!.scalars.map { $0 })  // copies
        }
        let first = pass()
        let before = TensorStoragePool.shared.counts
        let second = pass()
        let after = TensorStoragePool.shared.counts
        XCTAssertGreaterThan(after.requests - before.requests, 3)
        XCTAssertEqual(after.reuses - before.reuses, after.requests - before.requests)
        XCTAssertEqual(first.0, second.0)
        XCTAssertEqual(first.1, second.1)
    }
}
