import LoupeAttribution
import XCTest

final class AttributionErrorTests: XCTestCase {
    func testDescriptionIsOneLineNamingTheSource() {
        let error = AttributionError(source: "--method", problem: "unknown method 'x'\nknown: gradient")
        XCTAssertEqual(error.description, "--method: unknown method 'x' known: gradient")
    }
}
