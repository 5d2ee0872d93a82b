import Foundation
import LoupeReview
import XCTest

/// Appending, undoing and the current verdict, through a real database file.
final class VerdictStoreTests: XCTestCase {
    func testRecordsAreAppendedWithReviewerTimeAndVersion() async throws {
        let scratch = try ReviewScratch()
        let store = try scratch.open(toolVersion: "9.8.7")
        let first = try await store.record(
            VerdictSubmission(
                exampleID: 3, reviewer: "alice", verdict: .mislabelled, suggestedLabel: 5, note: "looks like a 5",
                queue: "cie:prune-0.90"))
        let second = try await store.record(VerdictSubmission(exampleID: 3, reviewer: "alice", verdict: .correct))
        XCTAssertLessThan(first.sequence, second.sequence)
        XCTAssertEqual(first.exampleID, 3)
        XCTAssertEqual(first.reviewer, "alice")
        XCTAssertEqual(first.verdict, .mislabelled)
        XCTAssertEqual(first.suggestedLabel, 5)
        XCTAssertEqual(first.note, "looks like a 5")
        XCTAssertEqual(first.queue, "cie:prune-0.90")
        XCTAssertEqual(first.toolVersion, "9.8.7")
        XCTAssertNil(first.undoes)
        XCTAssertNil(second.queue)
        let pattern = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
        XCTAssertNotNil(try pattern.wholeMatch(in: first.recordedAt), first.recordedAt)
        // Both records stay in the log; the latest is current.
        let log = try await store.log()
        XCTAssertEqual(log, [first, second])
        let current = try await store.current()
        XCTAssertEqual(current[3], ["alice": second])
    }

    func testUndoRetractsTheLatestActiveVerdictOneAtATime() async throws {
        let scratch = try ReviewScratch()
        let store = try scratch.open()
        let v1 = try await store.record(VerdictSubmission(exampleID: 7, reviewer: "alice", verdict: .correct))
        let v2 = try await store.record(
            VerdictSubmission(exampleID: 7, reviewer: "alice", verdict: .mislabelled, suggestedLabel: 1))
        let v3 = try await store.record(VerdictSubmission(exampleID: 7, reviewer: "alice", verdict: .ambiguous))
        var current = try await store.current()
        XCTAssertEqual(current[7]["alice"], v3)

        let u1 = try await store.undo(exampleID: 7, reviewer: "alice")
        XCTAssertEqual(u1?.undoes, v3.sequence)
        XCTAssertNil(u1?.verdict)
        XCTAssertEqual(u1?.exampleID, 7)
        current = try await store.current()
        XCTAssertEqual(current[7]["alice"], v2)

        let u2 = try await store.undo(exampleID: 7, reviewer: "alice")
        XCTAssertEqual(u2?.undoes, v2.sequence)
        current = try await store.current()
        XCTAssertEqual(current[7]["alice"], v1)

        // A new verdict after undos is current; undoing it brings back v1 again.
        let v4 = try await store.record(VerdictSubmission(exampleID: 7, reviewer: "alice", verdict: .atypical))
        current = try await store.current()
        XCTAssertEqual(current[7]["alice"], v4)
        let u3 = try await store.undo(exampleID: 7, reviewer: "alice")
        XCTAssertEqual(u3?.undoes, v4.sequence)
        let u4 = try await store.undo(exampleID: 7, reviewer: "alice")
        XCTAssertEqual(u4?.undoes, v1.sequence)
        current = try await store.current()
        XCTAssertEqual(current[7], [:])
        XCTAssertNil(current.byExample[7])

        // Nothing left to undo: nil, and nothing appended.
        let none = try await store.undo(exampleID: 7, reviewer: "alice")
        XCTAssertNil(none)
        let log = try await store.log()
        XCTAssertEqual(log.map(\.sequence), [v1, v2, v3, u1!, u2!, v4, u3!, u4!].map(\.sequence))
        let history = try await store.history(exampleID: 7)
        XCTAssertEqual(history, log)
    }

    func testUndoWithNothingToUndoAppendsNothing() async throws {
        let scratch = try ReviewScratch()
        let store = try scratch.open()
        let none = try await store.undo(exampleID: 1, reviewer: "alice")
        XCTAssertNil(none)
        let log = try await store.log()
        XCTAssertEqual(log, [])
    }

    func testUndoNeverTouchesAnotherReviewersVerdicts() async throws {
        let scratch = try ReviewScratch()
        let store = try scratch.open()
        let bob = try await store.record(VerdictSubmission(exampleID: 2, reviewer: "bob", verdict: .corrupted))
        // alice has nothing on example 2: her undo does not retract bob's verdict.
        let none = try await store.undo(exampleID: 2, reviewer: "alice")
        XCTAssertNil(none)
        let alice = try await store.record(VerdictSubmission(exampleID: 2, reviewer: "alice", verdict: .correct))
        // alice's verdict is the latest on the example, but bob's undo retracts bob's own.
        let undo = try await store.undo(exampleID: 2, reviewer: "bob")
        XCTAssertEqual(undo?.undoes, bob.sequence)
        XCTAssertEqual(undo?.reviewer, "bob")
        let current = try await store.current()
        XCTAssertEqual(current[2], ["alice": alice])
        // Nor does an undo on another example.
        let other = try await store.undo(exampleID: 3, reviewer: "alice")
        XCTAssertNil(other)
        let reviewers = try await store.reviewers()
        XCTAssertEqual(reviewers, ["alice", "bob"])
    }

    func testHistoryHasOnlyThatExampleInAppendOrder() async throws {
        let scratch = try ReviewScratch()
        let store = try scratch.open()
        let a = try await store.record(VerdictSubmission(exampleID: 4, reviewer: "alice", verdict: .correct))
        _ = try await store.record(VerdictSubmission(exampleID: 5, reviewer: "alice", verdict: .correct))
        let b = try await store.record(VerdictSubmission(exampleID: 4, reviewer: "bob", verdict: .ambiguous))
        let u = try await store.undo(exampleID: 4, reviewer: "alice")
        let history = try await store.history(exampleID: 4)
        XCTAssertEqual(history, [a, b, u!])
        let empty = try await store.history(exampleID: 6)
        XCTAssertEqual(empty, [])
    }

    func testReopeningKeepsEveryRecord() async throws {
        let scratch = try ReviewScratch()
        var written: [VerdictRecord] = []
        do {
            let store = try scratch.open()
            for id in 0..<20 {
                written.append(
                    try await store.record(
                        VerdictSubmission(
                            exampleID: id, reviewer: id.isMultiple(of: 2) ? "alice" : "bob",
                            verdict: Verdict.allCases[id % 5], suggestedLabel: id % 5 == 1 ? id % 10 : nil,
                            note: "note \(id), \"quoted\"\nsecond line", queue: "difficulty:vog")))
            }
            written.append(try await store.undo(exampleID: 4, reviewer: "alice")!)
        }
        let reopened = try scratch.open()
        let log = try await reopened.log()
        XCTAssertEqual(log, written)
        let current = try await reopened.current()
        XCTAssertEqual(current.byExample.count, 19)
        XCTAssertNil(current.byExample[4])
        // The next record continues the sequence.
        let next = try await reopened.record(VerdictSubmission(exampleID: 99, reviewer: "carol", verdict: .correct))
        XCTAssertGreaterThan(next.sequence, written.last!.sequence)
    }

    func testTheWriterIsInWALModeWithFullSynchronous() async throws {
        let scratch = try ReviewScratch()
        let store = try scratch.open()
        let settings = try await store.writerSettings()
        XCTAssertEqual(settings.journalMode, "wal")
        XCTAssertEqual(settings.synchronous, 2)  // FULL
    }

    func testCurrentVerdictsReplayAnUnorderedLog() {
        // The same log in another order gives the same current verdicts.
        let log = [
            record(1, 1, "alice", .correct), record(2, 1, "alice", .ambiguous), record(3, 1, "bob", .corrupted),
            record(4, 1, "alice", nil, undoes: 2), record(5, 2, "bob", .mislabelled, label: 3),
        ]
        let current = CurrentVerdicts(log: log)
        XCTAssertEqual(CurrentVerdicts(log: log.reversed()), current)
        XCTAssertEqual(current[1]["alice"]?.verdict, .correct)
        XCTAssertEqual(current[1]["bob"]?.verdict, .corrupted)
        XCTAssertEqual(current[2]["bob"]?.suggestedLabel, 3)
        XCTAssertEqual(current.reviewers, ["alice", "bob"])
        XCTAssertEqual(
            current.counts["alice"], [.correct: 1, .mislabelled: 0, .ambiguous: 0, .atypical: 0, .corrupted: 0])
        XCTAssertEqual(
            current.counts["bob"], [.correct: 0, .mislabelled: 1, .ambiguous: 0, .atypical: 0, .corrupted: 1])
    }

    func testRecordsEncodeEveryKeyInSnakeCase() throws {
        let undo = record(9, 123, "alice", nil, undoes: 6)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(undo), as: UTF8.self)
        XCTAssertEqual(
            text,
            #"{"id":123,"note":"","queue":null,"recorded_at":"2026-12-03T14:05:09.123Z","reviewer":"alice","#
                + #""sequence":9,"suggested_label":null,"tool_version":"0.1.0","undoes":6,"verdict":null}"#)
        XCTAssertEqual(try JSONDecoder().decode(VerdictRecord.self, from: Data(text.utf8)), undo)
        let verdict = record(7, 123, "alice", .mislabelled, label: 5)
        XCTAssertEqual(try JSONDecoder().decode(VerdictRecord.self, from: encoder.encode(verdict)), verdict)
    }
}
