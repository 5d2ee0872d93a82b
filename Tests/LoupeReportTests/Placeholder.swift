import XCTest

final class PlaceholderLoupeReportTests: XCTestCase { func testNothing() {} }
