import XCTest

final class PlaceholderLoupeCompressTests: XCTestCase { func testNothing() {} }
