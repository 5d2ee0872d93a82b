import Foundation
import XCTest

/// `loupe review` through the command line: the server started as a user starts it, verdicts
/// posted over HTTP, a clean stop on SIGTERM, the export with its manifest, and one-line errors.
final class ReviewCommandTests: CLITestCase {
    static let token = "cli-review-token-0123456789"

    /// Starts `loupe review` and returns the process and the port it printed.
    func startServer(_ arguments: [String]) throws -> (Process, Int) {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["review"] + arguments + ["--port", "0", "--token", Self.token]
        process.currentDirectoryURL = workDirectory
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Stopped however the test ends (a failed assertion, a thrown error).
        addTeardownBlock { if process.isRunning { process.terminate() } }
        var text = ""
        while !text.contains("?token=") {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        let pattern = try NSRegularExpression(pattern: "open http://127\\.0\\.0\\.1:([0-9]+)/\\?token=")
        guard let match = pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
            let range = Range(match.range(at: 1), in: text), let port = Int(text[range])
        else {
            process.terminate()
            throw XCTSkip("the server printed no URL: \(text)")
        }
        return (process, port)
    }

    /// Posts `body` as JSON with the token, through Python's standard library; returns the status.
    func post(_ port: Int, _ path: String, _ body: String) throws -> Int {
        let script = """
            import sys, urllib.request, urllib.error
            request = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST",
                headers={"Content-Type": "application/json", "Authorization": "Bearer " + sys.argv[3]})
            try:
                print(urllib.request.urlopen(request).status)
            except urllib.error.HTTPError as error:
                print(error.code)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, "http://127.0.0.1:\(port)\(path)", body, Self.token]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// Audits a small population into `audit` and returns the ids of its first two CIEs.
    func auditWithCIEs() throws -> [Int] {
        let audit = try loupe(
            "audit", "--model", "mlp", "--hidden", "8", "--members", "2", "--epochs", "1", "--variants",
            "dense,prune:0.9", "--threads", "1", "--out", "audit")
        XCTAssertEqual(audit.status, 0, audit.stderr)
        let cie = try String(contentsOf: workDirectory.appendingPathComponent("audit/cie.csv"), encoding: .utf8)
        return cie.split(whereSeparator: \.isNewline).dropFirst().prefix(2).map { Int($0.split(separator: ",")[1])! }
    }

    func testReviewRecordExportAndAuditAgainOnCorrectedLabels() throws {
        let ids = try auditWithCIEs()
        let (server, port) = try startServer(["audit"])
        XCTAssertEqual(
            try post(
                port, "/api/verdicts",
                #"{"id": \#(ids[0]), "verdict": "mislabelled", "suggested_label": 7, "reviewer": "ann"}"#),
            201)
        XCTAssertEqual(
            try post(port, "/api/verdicts", #"{"id": \#(ids[1]), "verdict": "correct", "reviewer": "ann"}"#), 201)
        XCTAssertEqual(
            try post(port, "/api/verdicts", #"{"id": \#(ids[1]), "verdict": "bogus", "reviewer": "ann"}"#), 400)
        server.terminate()  // SIGTERM: a graceful stop
        server.waitUntilExit()
        XCTAssertEqual(server.terminationStatus, 0)
        // The review kept its database in the audit's folder; the sealed run still verifies.
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("audit/review.sqlite").path))
        let verifyAudit = try loupe("verify", "audit")
        XCTAssertEqual(verifyAudit.status, 0, verifyAudit.stdout + verifyAudit.stderr)
        XCTAssertTrue(
            verifyAudit.stdout.contains("review   review.sqlite  added by loupe review, not sealed"), verifyAudit.stdout
        )
        XCTAssertFalse(verifyAudit.stdout.contains("unlisted"), verifyAudit.stdout)

        // Inside the reviewed folder, the export's manifest replaced the audit's.
        let manifest = try Data(contentsOf: workDirectory.appendingPathComponent("audit/manifest.json"))
        assertFailsCleanly(
            try loupe("review", "audit", "--export", "audit/cie.csv"),
            mentioning: ["--export", "inside the reviewed folder"])
        XCTAssertEqual(try Data(contentsOf: workDirectory.appendingPathComponent("audit/manifest.json")), manifest)
        let export = try loupe("review", "audit", "--export", "out/verdicts.csv")
        XCTAssertEqual(export.status, 0, export.stderr)
        let verdicts = try String(contentsOf: workDirectory.appendingPathComponent("out/verdicts.csv"), encoding: .utf8)
        XCTAssertEqual(verdicts.split(whereSeparator: \.isNewline).count, 3, verdicts)
        let overrides = try String(
            contentsOf: workDirectory.appendingPathComponent("out/label-overrides.csv"), encoding: .utf8)
        XCTAssertEqual(overrides, "id,label,split\r\n\(ids[0]),7,test\r\n")
        for file in ["verdicts.jsonl", "agreement.json", "manifest.json"] {
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("out/" + file).path))
        }
        let verify = try loupe("verify", "out")
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        // The audit again, on the corrected label: the example's true label is now 7.
        let again = try loupe(
            "audit", "--model", "mlp", "--hidden", "8", "--members", "2", "--epochs", "1", "--variants",
            "dense,prune:0.9", "--threads", "1", "--label-overrides", "out/label-overrides.csv", "--out", "corrected")
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(
            again.stderr.contains("label overrides: 1 labels changed from out/label-overrides.csv"), again.stderr)
        let corrected = try String(
            contentsOf: workDirectory.appendingPathComponent("corrected/cie.csv"), encoding: .utf8)
        let row = corrected.split(whereSeparator: \.isNewline).first { $0.split(separator: ",")[1] == "\(ids[0])" }
        XCTAssertEqual(row?.split(separator: ",")[2], "7")
    }

    /// Runs `sql` on the SQLite database at `path` with Python's sqlite3, CHECK constraints
    /// off, as a hand edit could.
    func editDatabase(_ path: URL, _ sql: String) throws {
        let python = URL(fileURLWithPath: "/usr/bin/python3")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: python.path), "no python3")
        let process = Process()
        process.executableURL = python
        process.arguments = [
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA ignore_check_constraints = ON'); c.execute(sys.argv[2]); c.commit()",
            path.path, sql,
        ]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path.path])  // the edit failed
        }
    }

    /// A verdict of an example the reviewed data lacks, or with a suggested label that is no
    /// class, was exported as valid; the export now refuses it in one line and writes nothing.
    func testTheExportRefusesRecordsTheReviewCouldNotHaveMade() throws {
        let ids = try auditWithCIEs()
        let first = try loupe("review", "audit", "--export", "first/verdicts.csv")
        XCTAssertEqual(first.status, 0, first.stderr)
        let database = workDirectory.appendingPathComponent("audit/review.sqlite")
        let insert =
            "INSERT INTO verdict (example_id, reviewer, verdict, suggested_label, note, queue, recorded_at, tool_version) VALUES "
        try editDatabase(database, insert + "(\(ids[0]), 'ann', 'correct', NULL, '', NULL, 't', 'v')")
        try editDatabase(database, insert + "(99999, 'ann', 'correct', NULL, '', NULL, 't', 'v')")
        assertFailsCleanly(
            try loupe("review", "audit", "--export", "out/verdicts.csv"),
            mentioning: ["audit/review.sqlite", "record 2 (id 99999): id 99999 is not an example of the dataset"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("out").path))

        try editDatabase(database, "DELETE FROM verdict WHERE example_id = 99999")
        try editDatabase(database, insert + "(\(ids[1]), 'bob', 'mislabelled', 10, '', NULL, 't', 'v')")
        assertFailsCleanly(
            try loupe("review", "audit", "--export", "out/verdicts.csv"),
            mentioning: ["audit/review.sqlite", "record 3 (id \(ids[1])): suggested_label 10 is not a class (0..<10)"])
        try editDatabase(database, "UPDATE verdict SET suggested_label = -1 WHERE sequence = 3")
        assertFailsCleanly(
            try loupe("review", "audit", "--export", "out/verdicts.csv"),
            mentioning: ["record 3 (id \(ids[1])): suggested_label -1 is not a class"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("out").path))

        // Once the records are ones the review could have made, the export goes through.
        try editDatabase(database, "UPDATE verdict SET suggested_label = 4 WHERE sequence = 3")
        let export = try loupe("review", "audit", "--export", "out/verdicts.csv")
        XCTAssertEqual(export.status, 0, export.stderr)
        let overrides = try String(
            contentsOf: workDirectory.appendingPathComponent("out/label-overrides.csv"), encoding: .utf8)
        XCTAssertEqual(overrides, "id,label,split\r\n\(ids[1]),4,test\r\n")
    }

    func testBadInvocationsFailInOneLineAndWriteNothing() throws {
        try FileManager.default.createDirectory(
            at: workDirectory.appendingPathComponent("empty"), withIntermediateDirectories: true)
        assertFailsCleanly(try loupe("review", "missing"), mentioning: ["missing", "no such folder or file"])
        assertFailsCleanly(try loupe("review", "empty"), mentioning: ["empty", "nothing to review"])
        assertFailsCleanly(try loupe("review", "empty", "--host", "0.0.0.0"), mentioning: ["--token"])
        assertFailsCleanly(try loupe("review", "empty", "--token", "short"), mentioning: ["--token"])
        assertFailsCleanly(try loupe("review", "empty", "--export", "v.txt"), mentioning: ["--export", ".csv"])
        assertFailsCleanly(try loupe("review", "empty", "--port", "70000"), mentioning: ["--port"])
        let bad = try write(Data("id,score\n1,0.5\n1,0.7\n".utf8), to: "bad.csv")
        assertFailsCleanly(try loupe("review", bad.path), mentioning: ["bad.csv", "id 1 appears twice"])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: workDirectory.path).sorted()
        XCTAssertEqual(leftovers, ["bad.csv", "empty"])
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: workDirectory.appendingPathComponent("empty").path), [])
    }
}
