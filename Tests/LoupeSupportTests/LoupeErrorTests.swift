import Foundation
import XCTest

@testable import LoupeSupport

/// Every error prints as `source: problem`, or `problem` alone, each part escaped for one line.
final class LoupeErrorTests: XCTestCase {
    /// A conformer that supplies only the two parts, as every Loupe error does.
    struct Sample: LoupeError {
        var source: String
        var problem: String
    }

    func testDescriptionJoinsSourceAndProblem() {
        XCTAssertEqual(Sample(source: "a.csv", problem: "line 2: 3 cells").description, "a.csv: line 2: 3 cells")
        XCTAssertEqual("\(Sample(source: "", problem: "--epochs must be positive"))", "--epochs must be positive")
    }

    func testBothPartsAreEscaped() {
        XCTAssertEqual(
            Sample(source: "x\u{1B}]0;t\u{7}", problem: "cell 'a\rb'\nforged").description,
            "x\\x1b]0;t\\x07: cell 'a\\rb'\\nforged")
        XCTAssertEqual(Sample(source: "", problem: "\u{202E}gpj.exe").description, "\\u{202e}gpj.exe")
    }

    func testInputErrorTurnsLineBreaksIntoSpaces() {
        let error = InputError(source: "--method", problem: "unknown method 'x'\nknown: gradient")
        XCTAssertEqual(error.problem, "unknown method 'x' known: gradient")
        XCTAssertEqual(error.description, "--method: unknown method 'x' known: gradient")
    }

    func testInputErrorNamesTheLastPathComponentOfAURL() {
        let error = InputError(URL(fileURLWithPath: "/data/run 1/labels.npy"), "dtype <i2 is not supported")
        XCTAssertEqual(error, InputError(source: "labels.npy", problem: "dtype <i2 is not supported"))
        XCTAssertEqual(error.description, "labels.npy: dtype <i2 is not supported")
    }

    func testErrnoErrorNamesTheOperation() {
        errno = ENOENT
        XCTAssertEqual(
            InputError.fromErrno("cannot open", path: "/x").description, "/x: cannot open: No such file or directory")
    }

    func testEnumErrorsSupplyTheirPartsByKind() {
        let lock = OutputFolderLockError(source: "out", kind: .cannotOpen("Permission denied"))
        XCTAssertEqual(lock.source, "out")
        XCTAssertEqual(lock.problem, "cannot lock the output folder: Permission denied")
        XCTAssertEqual(lock.description, "out: cannot lock the output folder: Permission denied")
    }
}
