import Foundation
import GRDB

/// Appends verdicts and undos by group commit: whatever is queued while a transaction commits
/// goes into the next transaction together, in arrival order.
///
/// With `synchronous = FULL` each commit waits for the disk (an fsync of the WAL), and SQLite
/// commits one writer at a time, so with one transaction per record, 200 clients posting at once
/// would wait for up to 200 fsyncs each. Batching makes them share one. Each operation still
/// runs in its own savepoint, sees the ones before it (an undo right after a verdict retracts
/// it), and is acknowledged only after the transaction holding it has committed: an
/// acknowledged record is on disk.
final class VerdictWriter: @unchecked Sendable {
    /// One append: a verdict, or the undo of a reviewer's latest active verdict on an example.
    enum Operation: Sendable {
        case record(VerdictSubmission)
        case undo(exampleID: Int, reviewer: String)
    }

    private struct Pending {
        var operation: Operation
        var continuation: CheckedContinuation<VerdictRecord?, any Error>
    }

    /// The most operations one transaction takes, so that a burst cannot make one huge commit.
    static let batchLimit = 256

    private let pool: DatabasePool
    private let toolVersion: String
    private let failure: @Sendable (DatabaseError) -> any Error
    private let lock = NSLock()
    private var pending: [Pending] = []
    private var draining = false

    /// `failure` turns an SQLite error into the error every operation of the batch receives.
    init(pool: DatabasePool, toolVersion: String, failure: @escaping @Sendable (DatabaseError) -> any Error) {
        self.pool = pool
        self.toolVersion = toolVersion
        self.failure = failure
    }

    /// Queues `operation` and returns its record once committed (`nil`: an undo with nothing to undo).
    func append(_ operation: Operation) async throws -> VerdictRecord? {
        try await withCheckedThrowingContinuation { continuation in
            let startDraining = lock.withLock {
                pending.append(Pending(operation: operation, continuation: continuation))
                if draining { return false }
                draining = true
                return true
            }
            if startDraining { Task { await self.drain() } }
        }
    }

    /// Commits batches until the queue is empty.
    private func drain() async {
        while true {
            let batch = lock.withLock {
                let batch = Array(pending.prefix(Self.batchLimit))
                pending.removeFirst(batch.count)
                if batch.isEmpty { draining = false }
                return batch
            }
            if batch.isEmpty { return }
            let operations = batch.map(\.operation)
            let toolVersion = toolVersion
            do {
                let results = try await pool.write { db in
                    operations.map { operation in
                        Result<VerdictRecord?, any Error> {
                            var record: VerdictRecord?
                            try db.inSavepoint {
                                record = try Self.execute(operation, db, toolVersion: toolVersion)
                                return .commit
                            }
                            return record
                        }
                    }
                }
                for (item, result) in zip(batch, results) { item.continuation.resume(with: result) }
            } catch let error as DatabaseError {
                for item in batch { item.continuation.resume(throwing: failure(error)) }
            } catch {
                for item in batch { item.continuation.resume(throwing: error) }
            }
        }
    }

    /// Appends one operation inside the batch's transaction.
    private static func execute(_ operation: Operation, _ db: Database, toolVersion: String) throws -> VerdictRecord? {
        let recordedAt = ReviewClock.now()
        switch operation {
        case .record(let submission):
            try db.execute(
                sql: """
                    INSERT INTO verdict (example_id, reviewer, verdict, suggested_label, note, queue, recorded_at, tool_version)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    submission.exampleID, submission.reviewer, submission.verdict.rawValue, submission.suggestedLabel,
                    submission.note, submission.queue, recordedAt, toolVersion,
                ])
            return VerdictRecord(
                sequence: db.lastInsertedRowID, exampleID: submission.exampleID, reviewer: submission.reviewer,
                verdict: submission.verdict, suggestedLabel: submission.suggestedLabel, note: submission.note,
                queue: submission.queue, recordedAt: recordedAt, toolVersion: toolVersion)
        case .undo(let exampleID, let reviewer):
            guard
                let target = try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT sequence FROM verdict AS v
                        WHERE example_id = ? AND reviewer = ? AND verdict IS NOT NULL
                          AND NOT EXISTS (SELECT 1 FROM verdict AS u WHERE u.undoes = v.sequence)
                        ORDER BY sequence DESC LIMIT 1
                        """, arguments: [exampleID, reviewer])
            else { return nil }
            try db.execute(
                sql: """
                    INSERT INTO verdict (example_id, reviewer, verdict, suggested_label, note, queue, recorded_at, tool_version, undoes)
                    VALUES (?, ?, NULL, NULL, '', NULL, ?, ?, ?)
                    """, arguments: [exampleID, reviewer, recordedAt, toolVersion, target])
            return VerdictRecord(
                sequence: db.lastInsertedRowID, exampleID: exampleID, reviewer: reviewer, verdict: nil,
                recordedAt: recordedAt, toolVersion: toolVersion, undoes: target)
        }
    }
}
