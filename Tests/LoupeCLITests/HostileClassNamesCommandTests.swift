import Foundation
import XCTest

/// Class folders named like spreadsheet formulas, or holding a right-to-left override, through
/// an audit and a difficulty run that joins it: the CSV tables write formula-like names after
/// a `'` (so Excel or LibreOffice shows them instead of running them), numbers as they are, and
/// Loupe reads its own tables back to the names themselves; the HTML pages show the override
/// as the text `\u{202e}` instead of letting it reorder what the auditor reads, while the CSV
/// keeps the true name.
final class HostileClassNamesCommandTests: CLITestCase {
    /// The class folders, in their sorted order (so label `c` is `classes[c]`); a folder name
    /// cannot hold the `/` of `=cmd|' /C calc'!A0`.
    static let classes = ["'quoted", "=cmd|' \\C calc'!A0", "\u{202E}evil"]
    /// How each class name is written in a CSV cell.
    static let written = ["''quoted", "'=cmd|' \\C calc'!A0", "\u{202E}evil"]

    private var environment: [String: String] {
        ["LOUPE_CACHE_DIR": workDirectory.appendingPathComponent("cache").path]
    }

    /// An ImageFolder of 5 training and 5 test images per class (training ids: label = id / 5),
    /// and predictions of three models each on the training images: the compressed population
    /// (`=pruned.npy`, so its variant is named `=pruned`) gets every image of class 1 wrong.
    private func writeDataAndPredictions() throws {
        for split in ["train", "test"] {
            for (label, name) in Self.classes.enumerated() {
                for index in 0..<5 {
                    let png = ImageFolderCommandTests.png(side: 4, value: UInt8(80 * label + 10 * index))
                    _ = try write(Data(png), to: "hostile/\(split)/\(name)/\(index).png")
                }
            }
        }
        func population(wrong: (Int, Int) -> Bool) -> Data {
            let labels = (0..<3).flatMap { model in
                (0..<15).map { example -> Int64 in
                    let label = Int64(example / 5)
                    return wrong(model, example) ? (label + 1) % 3 : label
                }
            }
            return npy("<i8", shape: "(3, 15)", payload: labels.withUnsafeBytes { Data($0) })
        }
        _ = try write(population { model, example in (example + model) % 7 == 0 }, to: "base.npy")
        _ = try write(
            population { model, example in example / 5 == 1 || (example + model) % 5 == 0 }, to: "=pruned.npy")
    }

    /// The lines of a CSV file written here, split at commas (no cell of these holds one).
    private func table(_ path: String) throws -> (header: [String], rows: [[String]]) {
        let text = try String(contentsOf: workDirectory.appendingPathComponent(path), encoding: .utf8)
        let lines = text.split(separator: "\r\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        return (lines[0], Array(lines.dropFirst()))
    }

    func testFormulaNamesAreGuardedInCSVAndBidiOverridesShownInHTML() throws {
        try writeDataAndPredictions()
        let audit = try loupe(
            arguments: [
                "audit", "--data", "hostile", "--evaluate", "train", "--baseline-predictions", "base.npy",
                "--compressed-predictions", "=pruned.npy", "--out", "audit",
            ], environment: environment)
        XCTAssertEqual(audit.status, 0, audit.stderr)

        let cie = try table("audit/cie.csv")
        let column = Dictionary(uniqueKeysWithValues: cie.header.enumerated().map { ($1, $0) })
        XCTAssertEqual(cie.rows.count, 15)
        for row in cie.rows {
            let id = Int(row[column["id"]!])!
            XCTAssertEqual(row[column["variant"]!], "'=pruned")
            XCTAssertEqual(row[column["class_name"]!], Self.written[id / 5])
            XCTAssertEqual(row[column["path"]!], "train/\(Self.classes[id / 5])/\(id % 5).png")
            XCTAssertEqual(row[column["is_cie"]!], id / 5 == 1 ? "1" : "0")
            for number in ["taxicab_score", "baseline_accuracy", "compressed_accuracy"] {
                XCTAssertNotNil(Double(row[column[number]!]), "\(number): \(row[column[number]!])")
            }
        }

        // Class 1's accuracy drops: its difference is a negative number, written as it is.
        let classes = try table("audit/classes.csv")
        let classColumn = Dictionary(uniqueKeysWithValues: classes.header.enumerated().map { ($1, $0) })
        let formulaClass = try XCTUnwrap(classes.rows.first { $0[classColumn["class"]!] == "1" })
        XCTAssertEqual(formulaClass[classColumn["class_name"]!], "'=cmd|' \\C calc'!A0")
        let difference = formulaClass[classColumn["difference"]!]
        XCTAssertLessThan(try XCTUnwrap(Double(difference)), 0)
        XCTAssertEqual(difference, "\(Double(difference)!)")
        let report = try String(contentsOf: workDirectory.appendingPathComponent("audit/report.html"), encoding: .utf8)
        XCTAssertFalse(report.unicodeScalars.contains("\u{202E}"), "a raw U+202E in report.html")
        XCTAssertTrue(
            report.contains("<td>2 <bdi>\\u{202e}evil</bdi></td>"), "the class is not shown with its override visible")

        // difficulty --cie reads the variant back as `=pruned` (else "no rows for variant").
        let difficulty = try loupe(
            arguments: [
                "difficulty", "--data", "hostile", "--model", "mlp", "--hidden", "4", "--epochs", "2", "--cie", "audit",
                "--cie-variant", "=pruned", "--out", "difficulty",
            ], environment: environment)
        XCTAssertEqual(difficulty.status, 0, difficulty.stderr)
        let scores = try table("difficulty/difficulty.csv")
        let scoreColumn = Dictionary(uniqueKeysWithValues: scores.header.enumerated().map { ($1, $0) })
        XCTAssertEqual(scores.rows.count, 15)
        for row in scores.rows {
            let id = Int(row[scoreColumn["id"]!])!
            XCTAssertEqual(row[scoreColumn["class_name"]!], Self.written[id / 5])
            XCTAssertEqual(row[scoreColumn["is_cie"]!], id / 5 == 1 ? "1" : "0")
        }
        let page = try String(
            contentsOf: workDirectory.appendingPathComponent("difficulty/difficulty.html"), encoding: .utf8)
        XCTAssertFalse(page.unicodeScalars.contains("\u{202E}"), "a raw U+202E in difficulty.html")
        XCTAssertTrue(
            page.contains("<bdi>\\u{202e}evil</bdi>: <bdi>train/\\u{202e}evil/"), "no caption shows the override")
    }
}
