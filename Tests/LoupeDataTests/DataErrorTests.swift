import LoupeData
import LoupeSupport
import XCTest

/// A dataset error is a `LoupeError` whose description stays one visible line, whatever the
/// file quotes back (found by fuzzing: a form feed in an NPY shape broke the line).
final class DataErrorTests: XCTestCase {
    func testNPYShapeWithAFormFeedIsQuotedOnOneLine() throws {
        var bytes = NPYFile.encode(NPYArray(shape: [2, 6], elements: .float32(Array(repeating: 0, count: 12))))
        let header = String(decoding: bytes, as: UTF8.self)
        let comma = try XCTUnwrap(header.range(of: "(2, 6)")).lowerBound
        bytes[header.utf8.distance(from: header.startIndex, to: comma) + 2] = 0x0C  // "(2\u{0C} 6)"
        XCTAssertThrowsError(try NPYFile.decode(bytes, file: "x.npy")) { error in
            XCTAssertTrue(error is any LoupeError, "\(type(of: error))")
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("x.npy: "), text)
            XCTAssertFalse(text.contains(where: \.isNewline), text.debugDescription)
            XCTAssertTrue(text.contains("\\x0c"), text.debugDescription)
        }
    }
}
