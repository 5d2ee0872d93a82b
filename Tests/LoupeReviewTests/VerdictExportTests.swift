import Foundation
import LoupeReview
import XCTest

/// The log as CSV and JSON Lines, read back by independent parsers.
final class VerdictExportTests: XCTestCase {
    private func sampleLog() async throws -> (ReviewScratch, [VerdictRecord]) {
        let scratch = try ReviewScratch()
        let store = try scratch.open()
        _ = try await store.record(
            VerdictSubmission(
                exampleID: 12, reviewer: "O'Brien, Pat", verdict: .mislabelled, suggestedLabel: 5,
                note: "a \"5\", surely,\r\nnot a 3\nsee also #9", queue: "cie:prune-0.90"))
        _ = try await store.record(VerdictSubmission(exampleID: 9, reviewer: "bob", verdict: .corrupted, note: ""))
        _ = try await store.record(
            VerdictSubmission(exampleID: 9, reviewer: "bob", verdict: .atypical, note: "émoji 🐈 and , only"))
        _ = try await store.undo(exampleID: 9, reviewer: "bob")
        return (scratch, try await store.log())
    }

    func testCSVReadsBackCellForCell() async throws {
        let (_, log) = try await sampleLog()
        let text = VerdictExport.csv(log)
        XCTAssertTrue(
            text.hasPrefix(
                "sequence,id,reviewer,verdict,suggested_label,note,queue,recorded_at,tool_version,undoes\r\n"))
        let rows = parseCSV(text)
        XCTAssertEqual(rows.count, log.count + 1)
        XCTAssertEqual(rows[0], VerdictExport.columns)
        for (row, record) in zip(rows.dropFirst(), log) {
            XCTAssertEqual(row.count, 10)
            XCTAssertEqual(row[0], String(record.sequence))
            XCTAssertEqual(row[1], String(record.exampleID))
            XCTAssertEqual(row[2], record.reviewer)
            XCTAssertEqual(row[3], record.verdict?.rawValue ?? "")
            XCTAssertEqual(row[4], record.suggestedLabel.map(String.init) ?? "")
            XCTAssertEqual(row[5], record.note)
            XCTAssertEqual(row[6], record.queue ?? "")
            XCTAssertEqual(row[7], record.recordedAt)
            XCTAssertEqual(row[8], "0.1.0")
            XCTAssertEqual(row[9], record.undoes.map(String.init) ?? "")
        }
        XCTAssertEqual(rows[1][2], "O'Brien, Pat")
        XCTAssertEqual(rows[1][5], "a \"5\", surely,\r\nnot a 3\nsee also #9")
        XCTAssertEqual(rows[4][3], "")
        XCTAssertEqual(rows[4][9], String(log[2].sequence))
        XCTAssertEqual(VerdictExport.csv([]), VerdictExport.columns.joined(separator: ",") + "\r\n")
    }

    /// A reviewer's note or name that a spreadsheet would run as a formula is written after a
    /// `'`; the numbers beside it are not.
    func testTextCellsAreGuardedAgainstFormulas() async throws {
        let scratch = try ReviewScratch()
        let store = try scratch.open()
        _ = try await store.record(
            VerdictSubmission(
                exampleID: 3, reviewer: "@eve", verdict: .mislabelled, suggestedLabel: 1,
                note: "=HYPERLINK(\"http://x\",\"y\")", queue: "cie:=pruned"))
        let rows = parseCSV(VerdictExport.csv(try await store.log()))
        XCTAssertEqual(rows[1][1], "3")
        XCTAssertEqual(rows[1][2], "'@eve")
        XCTAssertEqual(rows[1][4], "1")
        XCTAssertEqual(rows[1][5], "'=HYPERLINK(\"http://x\",\"y\")")
        XCTAssertEqual(rows[1][6], "cie:=pruned")
    }

    func testJSONLinesDecodeToTheSameRecords() async throws {
        let (_, log) = try await sampleLog()
        let text = VerdictExport.jsonLines(log)
        XCTAssertTrue(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, log.count, "one line per record: newlines in notes are escaped")
        for (line, record) in zip(lines, log) {
            XCTAssertEqual(try JSONDecoder().decode(VerdictRecord.self, from: Data(line.utf8)), record)
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(Set(object.keys), Set(VerdictExport.columns))
        }
        XCTAssertEqual(VerdictExport.jsonLines([]), "")
    }
}
