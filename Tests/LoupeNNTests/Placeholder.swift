import XCTest

final class PlaceholderLoupeNNTests: XCTestCase { func testNothing() {} }
