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

  func testCPUTimeGrowsWithBusyWork() {
    let before = ResourceUsage.current()
    let stopwatch = Stopwatch()
    var accumulator: UInt64 = 1
    while stopwatch.elapsedSeconds < 0.3 {
      for i in 0..<100_000 { accumulator = accumulator &* 6_364_136_223_846_793_005 &+ UInt64(i) }
    }
    let after = ResourceUsage.current()
    XCTAssertNotEqual(accumulator, 0)
    // A busy loop of 0.3 s wall time; allow for sharing the core with other processes.
    XCTAssertGreaterThan(after.cpuSeconds - before.cpuSeconds, 0.05)
    XCTAssertLessThan(after.cpuSeconds - before.cpuSeconds, stopwatch.elapsedSeconds + 0.05)
  }

  func testStopwatchMeasuresSleep() {
    let stopwatch = Stopwatch()
    usleep(50_000)
    XCTAssertGreaterThanOrEqual(stopwatch.elapsedSeconds, 0.05)
    XCTAssertLessThan(stopwatch.elapsedSeconds, 5)
  }
}
