import XCTest

@testable import LoupeData

final class CSVFileTests: XCTestCase {
    func testParsesHeaderCRLFAndBlankLines() throws {
        let text = "label,p1,p2,p3,p4\r\n3,0,255,10,20\r\n\r\n1, 5 ,6,7,8\n"
        let table = try CSVFile.parse(Array(text.utf8), file: "d.csv")
        XCTAssertEqual(table.labels, [3, 1])
        XCTAssertEqual(table.pixelColumns, 4)
        XCTAssertEqual(table.bytePixels, [0, 255, 10, 20, 5, 6, 7, 8])
        XCTAssertNil(table.floatPixels)
    }

    /// A UTF-8 byte-order mark (Excel) before a file without a header is not a header: the
    /// first row is data.
    func testByteOrderMarkDoesNotTurnTheFirstRowIntoAHeader() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let table = try CSVFile.parse(bom + Array("3,1,2\n4,5,6\n".utf8), file: "d.csv")
        XCTAssertEqual(table.labels, [3, 4])
        XCTAssertEqual(table.bytePixels, [1, 2, 5, 6])
        let withHeader = try CSVFile.parse(bom + Array("label,a,b\n3,1,2\n".utf8), file: "d.csv")
        XCTAssertEqual(withHeader.labels, [3])
        assertInputError(
            try CSVFile.parse([0xFF, 0xFE] + Array("3\0,\01\0".utf8), file: "w.csv"), file: "w.csv",
            problem: "text is UTF-16 (byte-order mark); save it as UTF-8")
    }

    /// A cell's control characters are escaped in the error, not sent to the terminal.
    func testControlCharactersInACellAreEscaped() {
        assertInputError(
            try CSVFile.parse(Array("1,2,3\n4,\u{1B}[2J\u{7},6\n".utf8), file: "d.csv"), file: "d.csv",
            problem: "line 2: column 2: '\\x1b[2J\\x07' is not a number")
    }

    func testTabsAroundNumbersAreTrimmedAndHexadecimalIsNotANumber() throws {
        let table = try CSVFile.parse(Array("2,\t7 ,8\t\n".utf8), file: "d.csv")
        XCTAssertEqual(table.bytePixels, [7, 8])
        assertInputError(
            try CSVFile.parse(Array("1,2,3\n4,0x10,6\n".utf8), file: "d.csv"), file: "d.csv",
            problem: "line 2: column 2: '0x10' is not a number")
    }

    /// Rows and cells are read in place: a header row, a long row and many blank lines give
    /// the same table as a short file, and the last row needs no newline.
    func testLongRowsAndManyBlankLines() throws {
        let row = "1," + Array(repeating: "200", count: 100_000).joined(separator: ",")
        let text =
            "label" + String(repeating: ",p", count: 100_000) + "\n" + row + String(repeating: "\n", count: 100_000)
            + row
        let table = try CSVFile.parse(Array(text.utf8), file: "d.csv")
        XCTAssertEqual(table.labels, [1, 1])
        XCTAssertEqual(table.pixelColumns, 100_000)
        XCTAssertEqual(table.bytePixels, [UInt8](repeating: 200, count: 200_000))
    }

    func testFractionalPixelsBecomeScaledFloats() throws {
        let table = try CSVFile.parse(Array("0,255,127.5\n1,0,51\n".utf8), file: "d.csv")
        XCTAssertNil(table.bytePixels)
        XCTAssertEqual(table.floatPixels, [1, 0.5, 0, 0.2])
    }

    func testBadRowsThrowNamingFileAndLine() {
        assertInputError(
            try CSVFile.parse(Array("1,2,3\n4,5\n".utf8), file: "d.csv"), file: "d.csv",
            problem: "line 2: 2 columns, expected 3")
        assertInputError(
            try CSVFile.parse(Array("1,2,3\n4,x5,6\n".utf8), file: "d.csv"), file: "d.csv",
            problem: "line 2: column 2: 'x5' is not a number")
        assertInputError(
            try CSVFile.parse(Array("1,2,nan\n".utf8), file: "d.csv"), file: "d.csv",
            problem: "line 1: column 3: non-finite value nan")
        assertInputError(
            try CSVFile.parse(Array("1,2,inf\n".utf8), file: "d.csv"), file: "d.csv",
            problem: "non-finite value inf")
        assertInputError(
            try CSVFile.parse(Array("1.5,2,3\n".utf8), file: "d.csv"), file: "d.csv",
            problem: "line 1: label 1.5 is not an integer")
        assertInputError(
            try CSVFile.parse(Array("1,2,300\n".utf8), file: "d.csv"), file: "d.csv",
            problem: "pixel 300.0 outside 0...255")
        assertInputError(
            try CSVFile.parse(Array("a,b\n".utf8), file: "d.csv"), file: "d.csv", problem: "no data rows")
    }
}
