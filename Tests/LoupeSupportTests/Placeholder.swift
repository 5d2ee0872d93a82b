import XCTest

final class PlaceholderLoupeSupportTests: XCTestCase { func testNothing() {} }
