import Foundation
import XCTest

final class LabelOverridesCommandTests: CLITestCase {
    /// A bad override file stops train, audit and difficulty with one line naming the file
    /// and the line, before the output folder exists.
    func testABadFileFailsCleanlyWithNothingWritten() throws {
        let cases: [(text: String, fragments: [String])] = [
            ("id,label\n3,1\n3,2\n", ["fix.csv", "line 3", "id 3 appears more than once (first on line 2)"]),
            ("id,label\n3,x\n", ["fix.csv", "line 2", "label 'x' is not an integer"]),
            ("id,label\n3,10\n", ["fix.csv", "line 2", "label 10 is outside 0..<10"]),
            ("id,label\n99999,1\n", ["fix.csv", "line 2", "id 99999 is not in the train or the test split"]),
            ("", ["fix.csv", "empty file"]),
        ]
        for item in cases {
            _ = try write(Data(item.text.utf8), to: "fix.csv")
            for verb in ["train", "audit", "difficulty"] {
                let result = try loupe(verb, "--label-overrides", "fix.csv", "--out", "out")
                assertFailsCleanly(result, mentioning: item.fragments)
                XCTAssertFalse(
                    FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("out").path),
                    "\(verb) wrote output for \(item.text)")
            }
        }
        assertFailsCleanly(
            try loupe("train", "--label-overrides", "missing.csv", "--out", "out"),
            mentioning: ["missing.csv", "No such file or directory"])
    }

    /// A good file is reported on standard error and hashed into the manifest.
    func testTrainReportsTheChangedLabels() throws {
        _ = try write(Data("id,label\n0,9\n1,9\n".utf8), to: "fix.csv")
        let result = try loupe(
            "train", "--model", "mlp", "--hidden", "4", "--epochs", "1", "--threads", "1", "--label-overrides",
            "fix.csv", "--out", "run")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("label overrides: 2 labels changed from fix.csv"), result.stderr)
        let manifest = try String(
            decoding: Data(contentsOf: workDirectory.appendingPathComponent("run/manifest.json")), as: UTF8.self)
        XCTAssertTrue(manifest.contains("fix.csv"), manifest)
        XCTAssertEqual(try loupe("verify", "run").status, 0)
    }
}
