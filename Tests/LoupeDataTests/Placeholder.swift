import XCTest

final class PlaceholderLoupeDataTests: XCTestCase { func testNothing() {} }
