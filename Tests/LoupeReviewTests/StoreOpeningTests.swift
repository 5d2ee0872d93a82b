import Foundation
import LoupeReview
import LoupeSupport
import XCTest

/// Opening refuses, in one line naming the file, whatever is not this data's review database.
final class StoreOpeningTests: XCTestCase {
    private func assertRefused(
        _ url: URL, _ expected: String, file: StaticString = #filePath, line: UInt = #line,
        open: () throws -> VerdictStore
    ) {
        XCTAssertThrowsError(try open(), file: file, line: line) { error in
            guard let error = error as? InputError else {
                return XCTFail("not an InputError: \(error)", file: file, line: line)
            }
            XCTAssertEqual(error.source, url.path, file: file, line: line)
            XCTAssertTrue(error.problem.contains(expected), "\(error)", file: file, line: line)
            XCTAssertFalse(error.description.contains("\n"), "\(error)", file: file, line: line)
        }
    }

    func testADatabaseMadeForOtherDataIsRefused() async throws {
        let scratch = try ReviewScratch()
        let recorded: VerdictRecord
        do {
            let store = try scratch.open(dataset: "cifar10 test (10000 examples)")
            recorded = try await store.record(VerdictSubmission(exampleID: 1, reviewer: "alice", verdict: .correct))
        }
        assertRefused(scratch.database, "was made for other data ('cifar10 test (10000 examples)')") {
            try scratch.open(dataset: "mnist-5k test (1000 examples)")
        }
        // The refusal changed nothing: the right data opens it with its record.
        let store = try scratch.open(dataset: "cifar10 test (10000 examples)")
        let log = try await store.log()
        XCTAssertEqual(log, [recorded])
    }

    func testGarbageIsNotAnSQLiteDatabase() throws {
        let scratch = try ReviewScratch()
        var generator = SystemRandomNumberGenerator()
        let garbage = Data((0..<8192).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try garbage.write(to: scratch.database)
        assertRefused(scratch.database, "is not an SQLite database") { try scratch.open() }
        XCTAssertEqual(try Data(contentsOf: scratch.database), garbage, "the file must be left as it was")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.folder.path), ["review.sqlite"])
    }

    func testATextFileIsNotAnSQLiteDatabase() throws {
        let scratch = try ReviewScratch()
        try Data("id,label\n1,2\n".utf8).write(to: scratch.database)
        assertRefused(scratch.database, "is not an SQLite database") { try scratch.open() }
    }

    func testACorruptDatabaseIsRefused() async throws {
        let scratch = try ReviewScratch()
        let store = try scratch.open()
        for id in 0..<100 {
            _ = try await store.record(
                VerdictSubmission(
                    exampleID: id, reviewer: "alice", verdict: .correct, note: String(repeating: "x", count: 500)))
        }
        // Everything in the database file and none in the WAL; then garbage over the pages past the first.
        try await store.checkpoint()
        let handle = try FileHandle(forWritingTo: scratch.database)
        let size = try handle.seekToEnd()
        XCTAssertGreaterThan(size, 16384)
        try handle.seek(toOffset: 4096)
        var generator = SystemRandomNumberGenerator()
        try handle.write(
            contentsOf: Data((0..<(Int(size) - 4096)).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        try handle.close()
        XCTAssertThrowsError(try scratch.open()) { error in
            guard let error = error as? InputError else { return XCTFail("not an InputError: \(error)") }
            XCTAssertEqual(error.source, scratch.database.path)
            XCTAssertTrue(
                error.problem.contains("corrupt") || error.problem.contains("not an SQLite database"), "\(error)")
            XCTAssertFalse(error.description.contains("\n"), "\(error)")
        }
    }

    func testAnotherApplicationsDatabaseIsRefused() throws {
        let scratch = try ReviewScratch()
        // An SQLite file with a table of its own, made by the sqlite3 command line.
        let sqlite3 = URL(fileURLWithPath: "/usr/bin/sqlite3")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: sqlite3.path), "no sqlite3 command")
        let process = Process()
        process.executableURL = sqlite3
        process.arguments = [scratch.database.path, "CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT);"]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        assertRefused(scratch.database, "is an SQLite database of something else (tables photos)") {
            try scratch.open()
        }
    }

    /// A verdict row whose example id is text (an edited database) trapped in GRDB's row
    /// subscript when the log was read; it is one line naming the record and the column.
    func testAValueOfAnotherTypeInTheLogIsNamed() async throws {
        let scratch = try ReviewScratch()
        do {
            let store = try scratch.open()
            _ = try await store.record(VerdictSubmission(exampleID: 1, reviewer: "alice", verdict: .correct))
        }
        try edit(
            scratch.database,
            "INSERT INTO verdict (example_id, reviewer, verdict, note, queue, recorded_at, tool_version) VALUES ('abc', 'a', 'correct', '', 'q', 't', 'v')"
        )
        let store = try scratch.open()
        do {
            _ = try await store.log()
            XCTFail("the log was read")
        } catch let error as InputError {
            XCTAssertEqual(error.source, scratch.database.path)
            XCTAssertEqual(error.problem, "record 2: column example_id holds no valid value")
        }
    }

    /// Runs `sql` on the database with Python's sqlite3 and CHECK constraints off, as a hand
    /// edit could.
    private func edit(_ database: URL, _ sql: String) throws {
        let python = URL(fileURLWithPath: "/usr/bin/python3")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: python.path), "no python3")
        let process = Process()
        process.executableURL = python
        process.arguments = [
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA ignore_check_constraints = ON'); c.execute(sys.argv[2]); c.commit()",
            database.path, sql,
        ]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }

    /// The checked log (what the export reads) refuses each kind of record the store would not
    /// have appended, naming the file, the record and the field; the plain log still reads them.
    /// (Records against the schema's CHECK constraints are refused on opening, as corrupt.)
    func testTheCheckedLogRefusesRecordsTheStoreWouldNotMake() async throws {
        let scratch = try ReviewScratch()
        do {
            let store = try scratch.open()
            _ = try await store.record(VerdictSubmission(exampleID: 1, reviewer: "alice", verdict: .correct))
            _ = try await store.record(VerdictSubmission(exampleID: 2, reviewer: "bob", verdict: .correct))
            _ = try await store.undo(exampleID: 2, reviewer: "bob")
            let checked = try await store.checkedLog()
            XCTAssertEqual(checked.count, 3)
        }
        let insert =
            "INSERT INTO verdict (example_id, reviewer, verdict, suggested_label, note, queue, recorded_at, tool_version, undoes) VALUES "
        let cases: [(String, String)] = [
            (
                "(100, 'a', 'correct', NULL, '', NULL, 't', 'v', NULL)",
                "record 4 (id 100): id 100 is not an example of the dataset"
            ),
            (
                "(3, 'a', 'mislabelled', 10, '', NULL, 't', 'v', NULL)",
                "record 5 (id 3): suggested_label 10 is not a class (0..<10)"
            ),
            (
                "(3, ' a', 'correct', NULL, '', NULL, 't', 'v', NULL)",
                "record 6 (id 3): reviewer ' a' starts or ends with a space"
            ),
            (
                "(1, 'bob', NULL, NULL, '', NULL, 't', 'v', 1)",
                "record 7 (id 1): undoes 1 is a verdict of another reviewer or example (id 1)"
            ),
            ("(1, 'alice', NULL, NULL, '', NULL, 't', 'v', 3)", "record 8 (id 1): undoes 3 is not an earlier verdict"),
        ]
        for (index, (values, problem)) in cases.enumerated() {
            try edit(scratch.database, "DELETE FROM verdict WHERE sequence > 3")
            try edit(scratch.database, insert + values)
            let store = try scratch.open()
            let log = try await store.log()
            XCTAssertEqual(log.count, 4)
            do {
                _ = try await store.checkedLog()
                XCTFail("case \(index) was accepted")
            } catch let error as InputError {
                XCTAssertEqual(error.source, scratch.database.path)
                XCTAssertEqual(error.problem, problem)
            }
        }
    }

    func testAPathThatCannotBeCreatedIsRefused() throws {
        let scratch = try ReviewScratch()
        let missing = scratch.folder.appendingPathComponent("no-such-folder/review.sqlite")
        assertRefused(missing, "cannot be opened") { try scratch.open(missing) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing.deletingLastPathComponent().path))
        let folder = scratch.folder.appendingPathComponent("a-folder")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        assertRefused(folder, "cannot be opened") { try scratch.open(folder) }
    }

    func testTheIdentityIsStoredOnCreationAndKeptOnReopen() async throws {
        let scratch = try ReviewScratch()
        do { _ = try scratch.open(dataset: "data A", toolVersion: "0.1.0") }
        // A newer tool version opens the same data's database.
        let store = try scratch.open(dataset: "data A", toolVersion: "0.2.0")
        let stored = try await store.record(VerdictSubmission(exampleID: 0, reviewer: "bob", verdict: .atypical))
        XCTAssertEqual(stored.toolVersion, "0.2.0")
    }
}
