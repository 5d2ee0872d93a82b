import XCTest

final class PlaceholderLoupeCLITests: XCTestCase { func testNothing() {} }
