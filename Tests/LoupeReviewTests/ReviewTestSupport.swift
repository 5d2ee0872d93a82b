import Foundation
import LoupeReview
import XCTest

/// A temporary folder removed at the end of the test, and stores opened in it.
final class ReviewScratch {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "loupe-review-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    var database: URL { folder.appendingPathComponent("review.sqlite") }

    /// A store over 100 examples (ids 0..<100) of 10 classes.
    func open(
        _ url: URL? = nil, dataset: String = "mnist-5k test (100 examples)", classCount: Int = 10,
        toolVersion: String = "0.1.0"
    ) throws -> VerdictStore {
        try VerdictStore(
            path: url ?? database, dataset: dataset, classCount: classCount, exampleIDs: Set(0..<100),
            toolVersion: toolVersion)
    }
}

/// A verdict record for tests of pure code (no store).
func record(
    _ sequence: Int64, _ id: Int, _ reviewer: String, _ verdict: Verdict?, label: Int? = nil, undoes: Int64? = nil
) -> VerdictRecord {
    VerdictRecord(
        sequence: sequence, exampleID: id, reviewer: reviewer, verdict: verdict, suggestedLabel: label,
        recordedAt: "2026-12-03T14:05:09.123Z", toolVersion: "0.1.0", undoes: undoes)
}

/// Current verdicts from `(id, reviewer, verdict, suggested label)` rows, in order.
func currentVerdicts(_ rows: [(Int, String, Verdict, Int?)]) -> CurrentVerdicts {
    CurrentVerdicts(log: rows.enumerated().map { record(Int64($0 + 1), $1.0, $1.1, $1.2, label: $1.3) })
}

/// Parses RFC 4180 CSV (quoted cells with doubled quotes, CRLF or LF line ends): a reader
/// written independently of the writer under test.
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var cell = ""
    var quoted = false
    var scalars = Array(text.unicodeScalars)[...]
    while let scalar = scalars.popFirst() {
        if quoted {
            if scalar == "\"" {
                if scalars.first == "\"" {
                    cell.unicodeScalars.append("\"")
                    scalars.removeFirst()
                } else {
                    quoted = false
                }
            } else {
                cell.unicodeScalars.append(scalar)
            }
        } else if scalar == "\"" {
            quoted = true
        } else if scalar == "," {
            row.append(cell)
            cell = ""
        } else if scalar == "\r" && scalars.first == "\n" {
            continue
        } else if scalar == "\n" {
            row.append(cell)
            rows.append(row)
            row = []
            cell = ""
        } else {
            cell.unicodeScalars.append(scalar)
        }
    }
    if !cell.isEmpty || !row.isEmpty { rows.append(row + [cell]) }
    return rows
}

/// Asserts that `body` throws a `ReviewInputError` for `field`, and returns it.
@discardableResult
func assertReviewInputError(
    field: String, file: StaticString = #filePath, line: UInt = #line, _ body: () async throws -> Void
) async -> ReviewInputError? {
    do {
        try await body()
        XCTFail("no error, expected one about \(field)", file: file, line: line)
    } catch let error as ReviewInputError {
        XCTAssertEqual(error.field, field, "\(error)", file: file, line: line)
        return error
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
    return nil
}
