import GRDB
import LoupeSupport

/// The review database's tables, created and upgraded by GRDB's migrator.
///
/// - `dataset`: one row, the identity of the data the database was made for, when, and by
///   which version.
/// - `verdict`: the append-only log; `sequence` is the rowid (AUTOINCREMENT: never reused),
///   an undo record has no verdict and names the sequence it retracts (each at most once).
enum VerdictStoreSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: dataset and verdict log") { db in
            try db.execute(
                sql: """
                    CREATE TABLE dataset (
                        single INTEGER PRIMARY KEY CHECK (single = 1),
                        identity TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        tool_version TEXT NOT NULL
                    );
                    CREATE TABLE verdict (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        example_id INTEGER NOT NULL,
                        reviewer TEXT NOT NULL,
                        verdict TEXT CHECK (verdict IN ('correct', 'mislabelled', 'ambiguous', 'atypical', 'corrupted')),
                        suggested_label INTEGER,
                        note TEXT NOT NULL,
                        queue TEXT,
                        recorded_at TEXT NOT NULL,
                        tool_version TEXT NOT NULL,
                        undoes INTEGER UNIQUE REFERENCES verdict(sequence),
                        CHECK ((verdict IS NULL) <> (undoes IS NULL)),
                        CHECK (suggested_label IS NULL OR verdict = 'mislabelled')
                    );
                    CREATE INDEX verdict_by_example ON verdict(example_id, reviewer);
                    """)
        }
        return migrator
    }

    /// Refuses a file that already holds tables of something else, or that a newer version of
    /// the tool migrated further than this one knows.
    static func checkIsReviewDatabase(_ db: Database, path: String) throws {
        let tables = try String.fetchAll(
            db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        if !tables.isEmpty && !tables.contains("grdb_migrations") {
            throw InputError(
                source: path,
                problem: "is an SQLite database of something else (tables \(tables.sorted().joined(separator: ", "))), "
                    + "not a loupe review database")
        }
        if try migrator.hasBeenSuperseded(db) {
            throw InputError(source: path, problem: "was made by a newer version of loupe; upgrade to open it")
        }
    }

    /// Stores `identity` in a new database, or refuses a database made for other data.
    static func checkDataset(_ db: Database, identity: String, toolVersion: String, now: String, path: String) throws {
        if let stored = try String.fetchOne(db, sql: "SELECT identity FROM dataset") {
            guard stored == identity else {
                throw InputError(
                    source: path,
                    problem: "was made for other data (\(EscapedText.quoted(stored, limit: 120))), "
                        + "not \(EscapedText.quoted(identity, limit: 120)); use another --db")
            }
        } else {
            try db.execute(
                sql: "INSERT INTO dataset (single, identity, created_at, tool_version) VALUES (1, ?, ?, ?)",
                arguments: [identity, now, toolVersion])
        }
    }
}
