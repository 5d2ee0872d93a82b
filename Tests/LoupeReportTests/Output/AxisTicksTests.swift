import XCTest

@testable import LoupeReport

final class AxisTicksTests: XCTestCase {
    func testRoundStepsCoverTheRange() {
        let unit = AxisTicks(lower: 0.03, upper: 0.95)
        XCTAssertEqual(unit.values.map(unit.label), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])

        let losses = AxisTicks(lower: -0.013, upper: 0.021)
        XCTAssertEqual(losses.values.map(losses.label), ["-0.02", "-0.01", "0.00", "0.01", "0.02", "0.03"])

        let steps = AxisTicks(lower: 0, upper: 12_000)
        XCTAssertEqual(steps.values.map(steps.label), ["0", "5000", "10000", "15000"])
    }

    func testSingleValueIsWidened() {
        let ticks = AxisTicks(lower: 7, upper: 7)
        XCTAssertLessThan(ticks.range.lowerBound, 7)
        XCTAssertGreaterThan(ticks.range.upperBound, 7)
        XCTAssertEqual(AxisTicks(lower: 0, upper: 0).range, -1...1)
    }
}
