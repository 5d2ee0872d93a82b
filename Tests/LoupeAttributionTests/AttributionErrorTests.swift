import LoupeAttribution
import LoupeSupport
import XCTest

final class AttributionErrorTests: XCTestCase {
    func testDescriptionIsOneLineNamingTheSource() {
        let error = InputError(source: "--method", problem: "unknown method 'x'\nknown: gradient")
        XCTAssertEqual(error.description, "--method: unknown method 'x' known: gradient")
    }
}
