import Foundation
import LoupeSupport
import XCTest

final class ResourceUsageTests: XCTestCase {
    func testPeakResidentMemoryCoversTouchedAllocation() {
        let size = 96 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 4096)
        defer { buffer.deallocate() }
        for offset in stride(from: 0, to: size, by: 4096) { buffer[offset] = 1 }

        let usage = ResourceUsage.current()
        XCTAssertGreaterThanOrEqual(usage.peakResidentBytes, size)
        #if os(Linux)
            let hwm = ResourceUsage.peakResidentBytesFromProcStatus()
            XCTAssertNotNil(hwm)
            XCTAssertGreaterThanOrEqual(hwm ?? 0, size)
        #endif
    }

    func testCPUTimeGrowsWithBusyWorkButNotBeyondWallTime() {
        let before = ResourceUsage.current()
        let stopwatch = Stopwatch()
        var after = before
        var accumulator: UInt64 = 1
        // Spin until 0.2 s of CPU time is charged; a shared machine may take longer in wall time.
        while after.cpuSeconds - before.cpuSeconds < 0.2 && stopwatch.elapsedSeconds < 10 {
            for i in 0..<100_000 { accumulator = accumulator &* 6_364_136_223_846_793_005 &+ UInt64(i) }
            after = ResourceUsage.current()
        }
        let wall = stopwatch.elapsedSeconds
        XCTAssertNotEqual(accumulator, 0)
        XCTAssertGreaterThanOrEqual(after.cpuSeconds - before.cpuSeconds, 0.2)
        // One busy thread cannot be charged more CPU time than wall time (plus clock granularity).
        XCTAssertLessThan(after.cpuSeconds - before.cpuSeconds, wall + 0.02)
        XCTAssertGreaterThanOrEqual(after.userCPUSeconds, before.userCPUSeconds)
    }

    func testStopwatchMeasuresSleep() {
        let stopwatch = Stopwatch()
        usleep(50_000)
        XCTAssertGreaterThanOrEqual(stopwatch.elapsedSeconds, 0.05)
        XCTAssertLessThan(stopwatch.elapsedSeconds, 5)
    }
}
