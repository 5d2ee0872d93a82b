import LoupeAudit
import XCTest

final class IncompleteBetaTests: XCTestCase {
    /// Reference values computed once with SciPy 1.17.1: `scipy.special.betainc(a, b, x)`.
    private let scipyValues: [(a: Double, b: Double, x: Double, value: Double)] = [
        (2.0, 3.0, 0.4, 0.5247999999999999),
        (0.5, 0.5, 0.1, 0.20483276469913345),
        (10.0, 0.5, 0.9, 0.15164090963470994),
        (15.0, 0.5, 0.05, 4.515830739770702e-21),
        (1.0, 1.0, 0.3, 0.3),
        (50.0, 60.0, 0.45, 0.4642352914306031),
    ]

    func testMatchesSciPy() {
        for item in scipyValues {
            let value = IncompleteBeta.regularized(a: item.a, b: item.b, x: item.x)
            XCTAssertEqual(value, item.value, accuracy: 1e-10 * item.value, "a=\(item.a) b=\(item.b) x=\(item.x)")
        }
    }

    func testEndpointsAndDomain() {
        XCTAssertEqual(IncompleteBeta.regularized(a: 2, b: 3, x: 0), 0)
        XCTAssertEqual(IncompleteBeta.regularized(a: 2, b: 3, x: 1), 1)
        XCTAssertTrue(IncompleteBeta.regularized(a: 0, b: 3, x: 0.5).isNaN)
        XCTAssertTrue(IncompleteBeta.regularized(a: 2, b: 3, x: 1.5).isNaN)
    }
}
