import Foundation
import XCTest

/// ImageFolder data through the command line: bad input fails with one line naming the file
/// and writes nothing; good input trains, with the decoded cache where LOUPE_CACHE_DIR says.
final class ImageFolderCommandTests: CLITestCase {
    /// A 5x4 RGB JPEG (Pillow, quality 90; the baseline fixture of LoupeDataTests).
    static let jpeg = [UInt8](
        Data(
            base64Encoded:
                "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBT/wAARCAAEAAUDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDuNB+CPgnwL4P0n7BoFrN9q37/ALSC2NoXGMY/vGiiivtcqhGWDpuSu/8AgnxmF4lzyhhqNOljqsYqENFUml8K6Jn/2Q=="
        )!)

    /// A PNG of `side` x `side` grey pixels of `value` (an uncompressed deflate block).
    static func png(side: Int, value: UInt8) -> [UInt8] {
        func bigEndian(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        func chunk(_ kind: String, _ data: [UInt8]) -> [UInt8] {
            var crc: UInt32 = 0xffff_ffff
            for byte in Array(kind.utf8) + data {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
            }
            return bigEndian(data.count) + Array(kind.utf8) + data + bigEndian(Int(~crc))
        }
        var raw: [UInt8] = []
        for _ in 0..<side { raw += [0] + [UInt8](repeating: value, count: side) }
        var (a, b) = (1, 0)
        for byte in raw {
            a = (a + Int(byte)) % 65521
            b = (b + a) % 65521
        }
        let length: [UInt8] = [UInt8(raw.count & 0xff), UInt8(raw.count >> 8)]
        var deflate: [UInt8] = [0x78, 0x01, 1] + length
        deflate += length.map { ~$0 } + raw + bigEndian(b << 16 | a)
        let signature: [UInt8] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
        let header: [UInt8] = bigEndian(side) + bigEndian(side) + [8, 0, 0, 0, 0]
        return signature + chunk("IHDR", header) + chunk("IDAT", deflate) + chunk("IEND", [])
    }

    private func folder(_ name: String, _ files: [String: [UInt8]]) throws {
        for (path, bytes) in files { _ = try write(Data(bytes), to: "\(name)/\(path)") }
    }

    private func assertTrainFails(
        _ data: String, mentioning fragments: [String], file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let result = try loupe(
            arguments: ["train", "--data", data, "--model", "mlp", "--epochs", "1", "--out", "out"],
            environment: ["LOUPE_CACHE_DIR": workDirectory.appendingPathComponent("cache").path])
        assertFailsCleanly(result, mentioning: fragments, file: file, line: line)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("out").path), "partial output",
            file: file, line: line)
    }

    func testBadImageFoldersFailCleanlyNamingTheFile() throws {
        let good = Self.png(side: 4, value: 9)
        var badCRC = good
        badCRC[33 + 8 + Int(badCRC[36])] ^= 0xff  // the IDAT chunk's CRC
        try folder("truncated", ["a/1.png": good, "b/1.jpg": Array(Self.jpeg.prefix(Self.jpeg.count / 2))])
        try assertTrainFails("truncated", mentioning: ["b/1.jpg", "corrupt JPEG"])
        try folder("crc", ["a/1.png": good, "b/1.png": badCRC])
        try assertTrainFails("crc", mentioning: ["b/1.png", "CRC"])
        try folder("text", ["a/1.png": good, "b/1.jpg": Array("not an image\n".utf8)])
        try assertTrainFails("text", mentioning: ["b/1.jpg", "not a JPEG or PNG image"])
        try folder("empty", ["a/1.png": good, "b/readme.txt": [1]])
        try assertTrainFails("empty", mentioning: ["b/", "empty class folder"])
        try folder("extra", ["train/a/1.png": good, "test/a/1.png": good, "test/zebra/1.png": good])
        try assertTrainFails("extra", mentioning: ["test/zebra", "missing from train/"])
        try folder("sizes", ["a/1.png": good, "b/1.png": Self.png(side: 3, value: 9)])
        try assertTrainFails("sizes", mentioning: ["b/1.png", "3x3", "--image-size"])
        try folder("loop", ["a/1.png": good, "b/1.png": good])
        try FileManager.default.createSymbolicLink(
            atPath: workDirectory.path + "/loop/b/2.png", withDestinationPath: "2.png")
        try assertTrainFails("loop", mentioning: ["b/2.png", "symbolic links"])
    }

    func testUnreadableImageFailsCleanly() throws {
        let good = Self.png(side: 4, value: 9)
        try folder("unreadable", ["a/1.png": good, "b/1.png": good])
        let locked = workDirectory.path + "/unreadable/b/1.png"
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: locked)
        try XCTSkipIf(geteuid() == 0, "running as root, where chmod 000 does not prevent reading")
        try assertTrainFails("unreadable", mentioning: ["b/1.png", "Permission denied"])
    }

    func testImageOptionsAreCheckedBeforeAnythingRuns() throws {
        assertFailsCleanly(try loupe("train", "--image-size", "32", "--out", "o"), mentioning: ["--image-size", "32"])
        assertFailsCleanly(try loupe("train", "--channels", "2", "--out", "o"), mentioning: ["--channels", "2"])
    }

    func testTrainsOnAnImageFolderAndCachesTheDecodedImages() throws {
        var files: [String: [UInt8]] = ["train/dark/notes.txt": [1]]
        for index in 0..<6 {
            files["train/dark/\(index).png"] = Self.png(side: 6, value: UInt8(index))
            files["train/light/\(index).png"] = Self.png(side: 6, value: UInt8(250 - index))
            files["test/dark/\(index).png"] = Self.png(side: 6, value: UInt8(index + 10))
            files["test/light/\(index).png"] = Self.png(side: 6, value: UInt8(240 - index))
        }
        files["train/light/big.jpg"] = Self.jpeg
        try folder("shades", files)
        let cache = workDirectory.appendingPathComponent("cache")
        func train(_ out: String) throws -> Result {
            try loupe(
                arguments: [
                    "train", "--data", "shades", "--model", "mlp", "--hidden", "8", "--epochs", "2", "--image-size",
                    "6x6",
                    "--channels", "1", "--out", out,
                ], environment: ["LOUPE_CACHE_DIR": cache.path])
        }
        let first = try train("first")
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("skipped 1 file(s)"), first.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache.path).count, 1)
        let second = try train("second")
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(
            try Data(contentsOf: workDirectory.appendingPathComponent("first/model.safetensors")),
            try Data(contentsOf: workDirectory.appendingPathComponent("second/model.safetensors")))
    }

    /// A train/ and test/ ImageFolder `name` of ten dark and ten light 4 x 4 images per split
    /// in the class folders `classes` (test ids 0...9 and 10...19), and the predictions of
    /// three models made elsewhere: `base.npy`, and `compressed`, which gets every image of the
    /// second class wrong, so that class is impacted.
    func twoShadesWithPredictions(_ name: String, classes: (String, String), compressed: String) throws {
        var files: [String: [UInt8]] = [:]
        for split in ["train", "test"] {
            for index in 0..<10 {
                files["\(split)/\(classes.0)/\(index).png"] = Self.png(side: 4, value: UInt8(10 * index))
                files["\(split)/\(classes.1)/\(index).png"] = Self.png(side: 4, value: UInt8(250 - 10 * index))
            }
        }
        try folder(name, files)
        func population(wrong: (Int, Int) -> Bool) -> Data {
            let labels = (0..<3).flatMap { model in
                (0..<20).map { example -> Int64 in
                    let label = Int64(example / 10)
                    return wrong(model, example) ? 1 - label : label
                }
            }
            return npy("<i8", shape: "(3, 20)", payload: labels.withUnsafeBytes { Data($0) })
        }
        _ = try write(population { model, example in (example + model) % 7 == 0 }, to: "base.npy")
        _ = try write(population { model, example in example >= 10 || (example + model) % 5 == 0 }, to: compressed)
    }

    /// report.html names the impacted classes: `1 light`, not `1`. Predictions made elsewhere
    /// on a train/ and test/ ImageFolder: the compressed population gets every light test image
    /// wrong, so the light class is impacted.
    func testReportNamesImpactedClasses() throws {
        // Test ids: dark 0...9 (label 0), light 10...19 (label 1).
        try twoShadesWithPredictions("shades", classes: ("dark", "light"), compressed: "pruned.npy")
        let audit = try loupe(
            arguments: [
                "audit", "--data", "shades", "--baseline-predictions", "base.npy", "--compressed-predictions",
                "pruned.npy", "--out", "audit",
            ], environment: ["LOUPE_CACHE_DIR": workDirectory.appendingPathComponent("cache").path])
        XCTAssertEqual(audit.status, 0, audit.stderr)
        let summary =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: workDirectory.appendingPathComponent("audit/summary.json"))) as! [String: Any]
        let variants = summary["variants"] as! [[String: Any]]
        // Both classes move against the overall accuracy (the measure is recall minus accuracy).
        XCTAssertEqual(variants[0]["impacted_classes"] as? [Int], [0, 1])
        let html = try String(contentsOf: workDirectory.appendingPathComponent("audit/report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<td>0 <bdi>dark</bdi>, 1 <bdi>light</bdi></td>"), "impacted classes not named")
        XCTAssertTrue(
            html.contains("<td>0 <bdi>dark</bdi></td>") && html.contains("<td>1 <bdi>light</bdi></td>"),
            "per-class rows not named")
    }

    /// Class folders, a data folder and a predictions file named in Hebrew and Arabic: on
    /// report.html and difficulty.html every such name is in its own `<bdi>` element, so that
    /// a right-to-left name cannot reorder the numbers and names beside it (`0 שלום, 1 قطة`);
    /// the numbers are not.
    func testRightToLeftNamesAreIsolatedOnThePages() throws {
        // Test ids: שלום 0...9 (label 0, sorted first), قطة 10...19 (label 1).
        try twoShadesWithPredictions("צבעים", classes: ("שלום", "قطة"), compressed: "מודל.npy")
        let environment = ["LOUPE_CACHE_DIR": workDirectory.appendingPathComponent("cache").path]
        let audit = try loupe(
            arguments: [
                "audit", "--data", "צבעים", "--baseline-predictions", "base.npy", "--compressed-predictions",
                "מודל.npy", "--out", "audit",
            ], environment: environment)
        XCTAssertEqual(audit.status, 0, audit.stderr)
        let report = try String(contentsOf: workDirectory.appendingPathComponent("audit/report.html"), encoding: .utf8)
        for expected in [
            "<td>0 <bdi>שלום</bdi>, 1 <bdi>قطة</bdi></td>", "<td>0 <bdi>שלום</bdi></td>", "<td>1 <bdi>قطة</bdi></td>",
            "<tr><td><bdi>מודל</bdi></td>", "<h2><bdi>מודל</bdi>: top CIEs by Taxicab score</h2>",
            "<summary><bdi>מודל</bdi>: per-class impact (Welch t-test)</summary>",
            "<td><bdi>צבעים</bdi>: 20 training, 20 evaluated examples</td>",
            "<td><bdi>dense</bdi>, <bdi>מודל</bdi></td>",
            "<br><bdi>قطة</bdi>: <bdi>test/قطة/",
        ] {
            XCTAssertTrue(report.contains(expected), expected)
        }
        XCTAssertFalse(report.contains("<bdi>0") || report.contains("<bdi>1"), "a number isolated")

        let difficulty = try loupe(
            arguments: [
                "difficulty", "--data", "צבעים", "--model", "mlp", "--hidden", "4", "--epochs", "2", "--out",
                "difficulty",
            ], environment: environment)
        XCTAssertEqual(difficulty.status, 0, difficulty.stderr)
        let page = try String(
            contentsOf: workDirectory.appendingPathComponent("difficulty/difficulty.html"), encoding: .utf8)
        XCTAssertTrue(
            page.contains("<td><bdi>צבעים/train</bdi>: 20 training examples</td>"), "the data is not isolated")
        XCTAssertTrue(page.contains("<br><bdi>שלום</bdi>: <bdi>train/שלום/"), "no caption isolates the class and path")
        XCTAssertTrue(page.contains("<br><bdi>قطة</bdi>: <bdi>train/قطة/"), "no caption isolates the class and path")
    }

    /// Outputs that name an example give its path and class name; the audit's classes.csv the class name.
    func testOutputsNameExamplesByPathAndClass() throws {
        var files: [String: [UInt8]] = [:]
        for index in 0..<5 {
            files["dark/\(index).png"] = Self.png(side: 4, value: UInt8(10 * index))
            files["light/\(index).png"] = Self.png(side: 4, value: UInt8(250 - 10 * index))
        }
        try folder("shades", files)
        let environment = ["LOUPE_CACHE_DIR": workDirectory.appendingPathComponent("cache").path]
        let audit = try loupe(
            arguments: [
                "audit", "--data", "shades", "--test-fraction", "0.4", "--model", "mlp", "--hidden", "4", "--members",
                "2", "--epochs", "1", "--variants", "dense,prune:0.5", "--out", "audit",
            ], environment: environment)
        XCTAssertEqual(audit.status, 0, audit.stderr)
        let cie = try String(contentsOf: workDirectory.appendingPathComponent("audit/cie.csv"), encoding: .utf8)
            .split(whereSeparator: \.isNewline)
        XCTAssertTrue(cie[0].hasSuffix(",compressed_accuracy,path,class_name"), String(cie[0]))
        XCTAssertEqual(cie.count, 1 + 4)
        for row in cie.dropFirst() {
            let cells = row.split(separator: ",", omittingEmptySubsequences: false)
            let (id, label) = (Int(cells[1])!, cells[2])
            // Ids follow the sorted paths: dark/0..4 are 0..4, light/0..4 are 5..9.
            XCTAssertEqual(
                cells.suffix(2).map(String.init),
                ["\(["dark", "light"][id / 5])/\(id % 5).png", label == "0" ? "dark" : "light"])
        }
        let classes = try String(contentsOf: workDirectory.appendingPathComponent("audit/classes.csv"), encoding: .utf8)
        XCTAssertTrue(classes.hasPrefix("variant,class,class_name,examples,"), classes)
        XCTAssertTrue(classes.contains(",0,dark,") && classes.contains(",1,light,"), classes)
        let cieLine = try String(contentsOf: workDirectory.appendingPathComponent("audit/cie.jsonl"), encoding: .utf8)
        XCTAssertTrue(cieLine.contains(#""class_name":"#) && cieLine.contains(#""path":"#), cieLine)

        let difficulty = try loupe(
            arguments: [
                "difficulty", "--data", "shades", "--test-fraction", "0.4", "--model", "mlp", "--hidden", "4",
                "--epochs",
                "2", "--out", "difficulty",
            ], environment: environment)
        XCTAssertEqual(difficulty.status, 0, difficulty.stderr)
        let table = try String(
            contentsOf: workDirectory.appendingPathComponent("difficulty/difficulty.csv"), encoding: .utf8
        )
        .split(whereSeparator: \.isNewline)
        XCTAssertTrue(table[0].hasPrefix("id,label,path,class_name,"), String(table[0]))
        XCTAssertEqual(table.count, 1 + 6)
        for row in table.dropFirst() {
            let cells = row.split(separator: ",")
            let id = Int(cells[0])!
            XCTAssertEqual(
                cells[2...3].map(String.init),
                ["\(["dark", "light"][id / 5])/\(id % 5).png", ["dark", "light"][id / 5]])
        }
    }
}
