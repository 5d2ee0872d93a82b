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

    func testFractionalPixelsBecomeScaledFloats() throws {
        let table = try CSVFile.parse(Array("0,255,127.5\n1,0,51\n".utf8), file: "d.csv")
        XCTAssertNil(table.bytePixels)
        XCTAssertEqual(table.floatPixels, [1, 0.5, 0, 0.2])
    }

    func testBadRowsThrowNamingFileAndLine() {
        assertDataError(
            try CSVFile.parse(Array("1,2,3\n4,5\n".utf8), file: "d.csv"), file: "d.csv",
            problem: "line 2: 2 columns, expected 3")
        assertDataError(
            try CSVFile.parse(Array("1,2,3\n4,x5,6\n".utf8), file: "d.csv"), file: "d.csv",
            problem: "line 2: column 2: 'x5' is not a number")
        assertDataError(
            try CSVFile.parse(Array("1,2,nan\n".utf8), file: "d.csv"), file: "d.csv",
            problem: "line 1: column 3: non-finite value nan")
        assertDataError(
            try CSVFile.parse(Array("1,2,inf\n".utf8), file: "d.csv"), file: "d.csv",
            problem: "non-finite value inf")
        assertDataError(
            try CSVFile.parse(Array("1.5,2,3\n".utf8), file: "d.csv"), file: "d.csv",
            problem: "line 1: label 1.5 is not an integer")
        assertDataError(
            try CSVFile.parse(Array("1,2,300\n".utf8), file: "d.csv"), file: "d.csv",
            problem: "pixel 300.0 outside 0...255")
        assertDataError(
            try CSVFile.parse(Array("a,b\n".utf8), file: "d.csv"), file: "d.csv", problem: "no data rows")
    }
}
