import Foundation
import GRDB
import LoupeSupport

/// The verdict log in SQLite: every verdict and every undo appended, never changed.
///
/// The database is a GRDB `DatabasePool` in WAL mode with `synchronous = FULL`, so a record is
/// on disk when ``record(_:)`` or ``undo(exampleID:reviewer:)`` returns, and a crash at any
/// moment loses no acknowledged record. Records that arrive while a transaction commits are
/// appended together in the next one (group commit, ``VerdictWriter``), each in its own
/// savepoint; writes are serialised by GRDB's writer queue (and, between processes, by
/// SQLite's lock with a busy timeout) while reads run concurrently on snapshots.
public final class VerdictStore: Sendable {
    /// The database file.
    public let path: URL
    /// The number of classes: suggested labels lie in `0..<classCount`.
    public let classCount: Int
    /// The tool version stamped on each record.
    public let toolVersion: String
    private let exampleIDs: Set<Int>
    private let pool: DatabasePool
    private let writer: VerdictWriter

    /// How long a write waits for another process's lock before failing.
    static let busyTimeout: TimeInterval = 10

    /// Opens or creates the database (WAL, `synchronous = FULL`, migrations).
    ///
    /// `dataset` identifies the data (for example its description and example count): a new
    /// database stores it, and a database made for other data is refused. `classCount` bounds
    /// suggested labels; `exampleIDs` are the ids that exist. A file that is not an SQLite
    /// database, is corrupt, belongs to something else or cannot be opened for writing is
    /// refused with an ``InputError`` naming the file.
    public init(path: URL, dataset: String, classCount: Int, exampleIDs: Set<Int>, toolVersion: String) throws {
        self.path = path
        self.classCount = classCount
        self.toolVersion = toolVersion
        self.exampleIDs = exampleIDs
        let name = path.path
        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.label = "loupe review"
        do {
            pool = try DatabasePool(path: name, configuration: configuration)
            // GRDB sets `synchronous = NORMAL` with WAL; FULL makes every commit durable.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                if let problem = try String.fetchOne(db, sql: "PRAGMA quick_check"), problem != "ok" {
                    throw InputError(source: name, problem: "is corrupt (\(problem))")
                }
            }
            try pool.write { db in try VerdictStoreSchema.checkIsReviewDatabase(db, path: name) }
            try VerdictStoreSchema.migrator.migrate(pool)
            try pool.write { db in
                try VerdictStoreSchema.checkDataset(
                    db, identity: dataset, toolVersion: toolVersion, now: ReviewClock.now(), path: name)
            }
        } catch let error as InputError {
            throw error
        } catch {
            throw Self.openingError(error, path: name)
        }
        writer = VerdictWriter(pool: pool, toolVersion: toolVersion) { error in
            InputError(source: name, problem: "cannot record: \(Self.describe(error))")
        }
    }

    /// Validates `submission` and appends it; returns the record as stored.
    ///
    /// Throws ``ReviewInputError`` (field and problem) for a submission that does not fit, and
    /// ``InputError`` naming the file when the database cannot be written.
    public func record(_ submission: VerdictSubmission) async throws -> VerdictRecord {
        try submission.validate(classCount: classCount, exampleIDs: exampleIDs)
        guard let record = try await writer.append(.record(submission)) else {
            preconditionFailure("a verdict is always appended")
        }
        return record
    }

    /// Appends an undo of `reviewer`'s latest active verdict on the example (a verdict no undo
    /// retracts yet) and returns it; `nil` when the reviewer has none there. Undoing twice
    /// retracts two verdicts. Other reviewers' verdicts are never touched.
    public func undo(exampleID: Int, reviewer: String) async throws -> VerdictRecord? {
        guard exampleIDs.contains(exampleID) else {
            throw ReviewInputError(field: "id", problem: "\(exampleID) is not an example of the dataset")
        }
        try SubmissionLimits.checkReviewer(reviewer)
        return try await writer.append(.undo(exampleID: exampleID, reviewer: reviewer))
    }

    /// Every record, verdicts and undos, in append order.
    public func log() async throws -> [VerdictRecord] {
        try await reading { db in try self.fetchRecords(db, sql: "SELECT * FROM verdict ORDER BY sequence") }
    }

    /// Every record, as ``log()``, each checked against the rules the store records by, so
    /// that what is exported is what a review could have recorded: the example is one of the
    /// reviewed data's, the reviewer's name, note and queue fit, a suggested label is a class
    /// (`0..<classCount`) and comes only with `mislabelled`, and an undo retracts an earlier
    /// verdict of the same reviewer on the same example. A record that breaks one (a database
    /// edited by hand, or one made for other examples) is refused with an ``InputError``
    /// naming the file, the record's sequence and id, and the problem.
    public func checkedLog() async throws -> [VerdictRecord] {
        let records = try await log()
        var bySequence: [Int64: VerdictRecord] = [:]
        for record in records {
            do {
                try check(record, earlier: bySequence)
            } catch let error as ReviewInputError {
                throw InputError(
                    source: path.path,
                    problem: "record \(record.sequence) (id \(record.exampleID)): \(error.field) \(error.problem)")
            }
            bySequence[record.sequence] = record
        }
        return records
    }

    /// Throws a ``ReviewInputError`` naming the field of `record` the store would not have
    /// recorded; `earlier` holds the records before it, by sequence.
    private func check(_ record: VerdictRecord, earlier: [Int64: VerdictRecord]) throws {
        guard let undoes = record.undoes else {
            // The schema's CHECK constraints (verified on opening) give every record a verdict
            // or an undo, never both, and a suggested label only with mislabelled.
            guard let verdict = record.verdict else {
                throw ReviewInputError(field: "verdict", problem: "is missing, and the record undoes nothing")
            }
            try VerdictSubmission(
                exampleID: record.exampleID, reviewer: record.reviewer, verdict: verdict,
                suggestedLabel: record.suggestedLabel, note: record.note, queue: record.queue
            ).validate(classCount: classCount, exampleIDs: exampleIDs)
            return
        }
        guard exampleIDs.contains(record.exampleID) else {
            throw ReviewInputError(field: "id", problem: "\(record.exampleID) is not an example of the dataset")
        }
        try SubmissionLimits.checkReviewer(record.reviewer)
        guard let target = earlier[undoes], target.verdict != nil else {
            throw ReviewInputError(field: "undoes", problem: "\(undoes) is not an earlier verdict")
        }
        guard target.exampleID == record.exampleID, target.reviewer == record.reviewer else {
            throw ReviewInputError(
                field: "undoes",
                problem: "\(undoes) is a verdict of another reviewer or example (id \(target.exampleID))")
        }
    }

    /// Every record about one example (undos included), in append order.
    public func history(exampleID: Int) async throws -> [VerdictRecord] {
        try await reading { db in
            try self.fetchRecords(
                db, sql: "SELECT * FROM verdict WHERE example_id = ? ORDER BY sequence", arguments: [exampleID])
        }
    }

    /// Per example and reviewer, the latest verdict no undo retracts.
    public func current() async throws -> CurrentVerdicts {
        CurrentVerdicts(log: try await log())
    }

    /// Every reviewer who recorded anything, sorted.
    public func reviewers() async throws -> [String] {
        try await reading { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT reviewer FROM verdict ORDER BY reviewer")
        }
    }

    /// The writer connection's journal mode and `synchronous` level (2 is FULL), for tests.
    package func writerSettings() async throws -> (journalMode: String, synchronous: Int) {
        try await pool.writeWithoutTransaction { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
                try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            )
        }
    }

    /// Copies the WAL into the database file and empties it, for tests that edit the file.
    package func checkpoint() async throws {
        try await pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }

    // MARK: - Access

    private func reading<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch let error as DatabaseError {
            throw InputError(source: path.path, problem: "cannot read: \(Self.describe(error))")
        }
    }

    private func fetchRecords(_ db: Database, sql: String, arguments: StatementArguments = [])
        throws -> [VerdictRecord]
    {
        try Row.fetchAll(db, sql: sql, arguments: arguments).enumerated().map { index, row in
            // Columns are decoded with checks: a value of another type in an edited database
            // (an id of 'abc') trapped in GRDB's unchecked subscript.
            func column<Value: DatabaseValueConvertible>(_ name: String) throws -> Value {
                do { return try row.decode(forColumn: name) } catch {
                    throw InputError(
                        source: path.path, problem: "record \(index + 1): column \(name) holds no valid value")
                }
            }
            let word: String? = try column("verdict")
            var verdict: Verdict?
            if let word {
                guard let known = Verdict(rawValue: word) else {
                    throw InputError(
                        source: path.path,
                        problem:
                            "record \(try column("sequence") as Int64) has an unknown verdict \(EscapedText.quoted(word))"
                    )
                }
                verdict = known
            }
            return VerdictRecord(
                sequence: try column("sequence"), exampleID: try column("example_id"), reviewer: try column("reviewer"),
                verdict: verdict, suggestedLabel: try column("suggested_label"), note: try column("note"),
                queue: try column("queue"), recordedAt: try column("recorded_at"),
                toolVersion: try column("tool_version"),
                undoes: try column("undoes"))
        }
    }

    // MARK: - Errors

    /// One line for a database that cannot be opened.
    static func openingError(_ error: any Error, path: String) -> InputError {
        guard let error = error as? DatabaseError else {
            return InputError(source: path, problem: "cannot be opened: \(error)")
        }
        switch error.resultCode {
        case .SQLITE_NOTADB: return InputError(source: path, problem: "is not an SQLite database")
        case .SQLITE_CORRUPT: return InputError(source: path, problem: "is corrupt (\(describe(error)))")
        case .SQLITE_CANTOPEN:
            return InputError(source: path, problem: "cannot be opened for writing (missing folder, or not a file)")
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH:
            return InputError(source: path, problem: "cannot be written (\(describe(error)))")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return InputError(source: path, problem: "is locked by another process (\(describe(error)))")
        default:
            return InputError(source: path, problem: "cannot be opened: \(describe(error))")
        }
    }

    /// SQLite's message for `error`, without the SQL GRDB appends.
    static func describe(_ error: DatabaseError) -> String {
        error.message ?? "SQLite error \(error.resultCode.rawValue)"
    }
}
