import Foundation
import LoupeSupport
import XCTest

@testable import LoupeReport

final class JSONLinesTests: XCTestCase {
    private struct Record: Codable, Equatable {
        var zeta: Int
        var alpha: String
        var score: Double
    }

    func testOneSortedCompactObjectPerLine() throws {
        let records = [
            Record(zeta: 1, alpha: "a/b", score: 0.5),
            Record(zeta: 2, alpha: "two\nlines", score: -1),
        ]
        let text = String(decoding: try JSONLines.encode(records), as: UTF8.self)
        XCTAssertEqual(
            text,
            #"""
            {"alpha":"a/b","score":0.5,"zeta":1}
            {"alpha":"two\nlines","score":-1,"zeta":2}

            """#)
        let decoded = try text.split(separator: "\n").map {
            try JSONDecoder().decode(Record.self, from: Data($0.utf8))
        }
        XCTAssertEqual(decoded, records)
    }

    func testWriteIsAtomicAndNamesTheBadLine() throws {
        let url = try temporaryDirectory(for: self).appendingPathComponent("examples.jsonl")
        try JSONLines.write([Record(zeta: 1, alpha: "kept", score: 1)], to: url)
        let before = try Data(contentsOf: url)

        let bad = [Record(zeta: 1, alpha: "", score: 0), Record(zeta: 2, alpha: "", score: .nan)]
        XCTAssertThrowsError(try JSONLines.write(bad, to: url)) { error in
            let description = "\(error)"
            XCTAssertTrue(description.hasPrefix("\(url.path): line 2: cannot encode as JSON"), description)
            XCTAssertTrue(description.contains("score"), description)
        }
        XCTAssertEqual(try Data(contentsOf: url), before)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path),
            ["examples.jsonl"])
    }
}
