import Foundation
import LoupeData
import XCTest

@testable import LoupeWorkflows

/// `difficulty --cie` joins an audit's CIE results onto the scored examples by id.
final class CIEJoinTests: WorkflowTestCase {
    func testCIEResultsOfAnotherSplitAreRefused() throws {
        let splits = try syntheticData(classes: 2, perClass: 10).load().splits
        let audit = folder.appendingPathComponent("audit")
        try FileManager.default.createDirectory(at: audit, withIntermediateDirectories: true)
        var csv = "variant,id,taxicab_score,is_cie\n"
        for (index, id) in splits.test.ids.enumerated() { csv += "int8,\(id),\(Double(index) / 10),\(index % 2)\n" }
        try Data(csv.utf8).write(to: audit.appendingPathComponent("cie.csv"))

        let join = try CIEJoin(directory: audit, variant: nil)
        XCTAssertEqual(join.variant, "int8")
        XCTAssertEqual(join.isCIE[splits.test.ids[1]], true)
        XCTAssertEqual(join.taxicab[splits.test.ids[2]], 0.2)
        XCTAssertNoThrow(try join.check(covers: splits.test, split: .test, file: audit))
        XCTAssertThrowsError(try join.check(covers: splits.train, split: .train, file: audit)) {
            XCTAssertTrue(
                "\($0)".contains(
                    "cie.csv: \(splits.test.count) of its \(splits.test.count) examples are not in the train split scored here"
                ), "\($0)")
        }
    }

    /// Loupe writes paths and class names with RFC 4180 quoting; it read its own tables back
    /// by splitting at every comma and line break.
    func testQuotedPathsAndClassNamesReadBack() throws {
        let url = folder.appendingPathComponent("cie.csv")
        let csv =
            "variant,id,path,class_name,taxicab_score,is_cie\r\n"
            + "int8,3,\"cat, domestic/1.png\",\"cat, domestic\",0.5,1\r\n"
            + "int8,4,\"fox\nfake,9,x,y,0.1,1/2.png\",\"say \"\"hi\"\"\",0.25,0\r\n"
        try Data(csv.utf8).write(to: url)
        let join = try CIEJoin(url: url, variant: nil)
        XCTAssertEqual(join.isCIE, [3: true, 4: false])
        XCTAssertEqual(join.taxicab, [3: 0.5, 4: 0.25])
        let columns = try CSVColumns(url: url, required: ["path"])
        XCTAssertEqual(
            columns.rows.map { $0[columns.column["path"]!] }, ["cat, domestic/1.png", "fox\nfake,9,x,y,0.1,1/2.png"])
    }

    /// Loupe writes a variant, path or class name that a spreadsheet would run as a formula
    /// (or that begins with `'`) after a `'`; read back, they are the names themselves.
    func testFormulaGuardedNamesReadBackExactly() throws {
        let url = folder.appendingPathComponent("cie.csv")
        let csv =
            "variant,id,path,class_name,taxicab_score,is_cie\r\n"
            + "'=pruned,3,'=cmd|' /C calc'!A0/1.png,'=cmd|' /C calc'!A0,-0.5,1\r\n"
            + "'=pruned,4,''quoted/2.png,''quoted,0.25,0\r\n" + "dense,4,''quoted/2.png,''quoted,0,0\r\n"
        try Data(csv.utf8).write(to: url)
        let join = try CIEJoin(url: url, variant: "=pruned")
        XCTAssertEqual(join.variant, "=pruned")
        XCTAssertEqual(join.taxicab, [3: -0.5, 4: 0.25])
        let columns = try CSVColumns(
            url: url, required: ["path", "class_name"], textColumns: ["variant", "path", "class_name"])
        XCTAssertEqual(
            columns.rows.map { [$0[columns.column["path"]!], $0[columns.column["class_name"]!]] },
            [
                ["=cmd|' /C calc'!A0/1.png", "=cmd|' /C calc'!A0"], ["'quoted/2.png", "'quoted"],
                ["'quoted/2.png", "'quoted"],
            ])
    }
}
