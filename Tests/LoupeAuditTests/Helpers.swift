import LoupeAudit
import LoupeSupport
import XCTest

/// A population from nested labels, one row per model; fails the test on invalid input.
func population(_ name: String, ids: [Int], classCount: Int, _ rows: [[Int32]]) throws -> PopulationPredictions {
    try PopulationPredictions(name: name, exampleIDs: ids, classCount: classCount, labels: rows)
}

/// Asserts that `body` throws an error of type `E` whose description is exactly `message`.
func assertThrows<E: LoupeError>(
    _ errorType: E.Type, _ message: String, file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws -> Void
) {
    do {
        try body()
        XCTFail("expected \(E.self): \(message)", file: file, line: line)
    } catch let error as E {
        XCTAssertEqual(error.description, message, file: file, line: line)
    } catch {
        XCTFail("expected \(E.self), got \(type(of: error)): \(error)", file: file, line: line)
    }
}
