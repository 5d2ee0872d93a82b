import XCTest

final class PlaceholderLoupeAuditTests: XCTestCase { func testNothing() {} }
