import LoupeReview
import XCTest

final class VerdictTests: XCTestCase {
    func testVerdictsAreTheAPIsWords() {
        XCTAssertEqual(
            Verdict.allCases.map(\.rawValue), ["correct", "mislabelled", "ambiguous", "atypical", "corrupted"])
        XCTAssertNil(Verdict(rawValue: "Correct"))
    }
}
