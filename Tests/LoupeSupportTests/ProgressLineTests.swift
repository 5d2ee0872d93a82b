import Foundation
import XCTest

@testable import LoupeSupport

final class ProgressLineTests: XCTestCase {
    /// Collects output and serves a settable clock.
    private final class Harness: @unchecked Sendable {
        var written: [String] = []
        var time = 100.0
    }

    private func makeLine(_ harness: Harness, total: Int?, isEnabled: Bool = true) -> ProgressLine {
        ProgressLine(
            label: "scoring", total: total, isEnabled: isEnabled,
            output: { harness.written.append($0) }, now: { harness.time })
    }

    func testDrawsRateAndETAAndThrottles() {
        let harness = Harness()
        let line = makeLine(harness, total: 100)
        harness.time += 1
        line.update(done: 10)  // drawn: first update
        harness.time += 0.0625
        line.update(done: 11)  // throttled: 62.5 ms since last draw
        harness.time += 0.9375
        line.update(done: 20)  // drawn: 20 items in 2 s, 80 left at 10/s
        XCTAssertEqual(
            harness.written,
            [
                "\rscoring  10/100  10.0/s  ETA 0:09\u{1B}[K",
                "\rscoring  20/100  10.0/s  ETA 0:08\u{1B}[K",
            ])
    }

    func testFinishDrawsFinalStateOnceAndEndsTheLine() {
        let harness = Harness()
        let line = makeLine(harness, total: nil)
        harness.time += 2
        line.advance(by: 5)
        line.advance(by: 5)  // throttled
        line.finish()
        line.finish()
        line.advance()
        XCTAssertEqual(
            harness.written, ["\rscoring  5  2.5/s\u{1B}[K", "\rscoring  10  5.0/s\u{1B}[K", "\n"])
    }

    func testDisabledLineIsSilent() {
        let harness = Harness()
        let line = makeLine(harness, total: 10, isEnabled: false)
        line.update(done: 3)
        line.finish()
        XCTAssertEqual(harness.written, [])
    }

    func testClockFormatting() {
        XCTAssertEqual(ProgressLine.clock(0), "0:00")
        XCTAssertEqual(ProgressLine.clock(59.6), "1:00")
        XCTAssertEqual(ProgressLine.clock(3725), "1:02:05")
    }
}
