import LoupeSupport
import XCTest

final class ScratchMemoryTests: XCTestCase {
    func testTheThreadsMemoryIsReusedAndNestedCallsGetTheirOwn() {
        let first = ScratchMemory.withBytes(1000) { UInt(bitPattern: $0) }
        let second = ScratchMemory.withBytes(800) { UInt(bitPattern: $0) }
        XCTAssertEqual(first, second, "a request no larger than the last reuses the memory")
        ScratchMemory.withBytes(256) { outer in
            outer.storeBytes(of: 42, as: Int.self)
            ScratchMemory.withBytes(256) { inner in
                XCTAssertNotEqual(inner, outer)
                inner.storeBytes(of: 7, as: Int.self)
            }
            XCTAssertEqual(outer.load(as: Int.self), 42)
        }
        let other = Thread {
            let elsewhere = ScratchMemory.withBytes(1000) { UInt(bitPattern: $0) }
            XCTAssertNotEqual(elsewhere, first, "each thread has its own memory")
        }
        other.start()
        while !other.isFinished { usleep(1000) }
    }

    func testZeroedFloatsAreZeroAlignedAndDisjoint() {
        // Dirty the memory first.
        ScratchMemory.withBytes(4096) { $0.initializeMemory(as: UInt8.self, repeating: 0xFF, count: 4096) }
        ScratchMemory.withZeroedFloats([3, 0, 100, 17]) { buffers in
            XCTAssertEqual(buffers.map(\.count), [3, 0, 100, 17])
            for buffer in buffers {
                XCTAssertEqual(UInt(bitPattern: buffer.baseAddress!) % 64, 0)
                XCTAssertTrue(buffer.allSatisfy { $0 == 0 })
            }
            for (index, buffer) in buffers.enumerated() { buffer.update(repeating: Float(index)) }
            for (index, buffer) in buffers.enumerated() { XCTAssertTrue(buffer.allSatisfy { $0 == Float(index) }) }
        }
    }
}
