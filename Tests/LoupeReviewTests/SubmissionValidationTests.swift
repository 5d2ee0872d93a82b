import Foundation
import LoupeReview
import XCTest

/// Each field of a submission is checked before anything is written; errors name the field.
final class SubmissionValidationTests: XCTestCase {
    private func submission(
        id: Int = 1, reviewer: String = "alice", verdict: Verdict = .correct, label: Int? = nil, note: String = "",
        queue: String? = nil
    ) -> VerdictSubmission {
        VerdictSubmission(
            exampleID: id, reviewer: reviewer, verdict: verdict, suggestedLabel: label, note: note, queue: queue)
    }

    func testEveryBadFieldIsRefusedByName() async throws {
        let scratch = try ReviewScratch()
        let store = try scratch.open()
        let cases: [(String, VerdictSubmission)] = [
            ("id", submission(id: 100)),
            ("id", submission(id: -1)),
            ("reviewer", submission(reviewer: "")),
            ("reviewer", submission(reviewer: String(repeating: "x", count: 101))),
            ("reviewer", submission(reviewer: "al\nice")),
            ("reviewer", submission(reviewer: "al\u{1b}[31mice")),
            ("reviewer", submission(reviewer: "alice\u{202E}")),
            ("reviewer", submission(reviewer: " alice")),
            ("suggested_label", submission(verdict: .mislabelled, label: 10)),
            ("suggested_label", submission(verdict: .mislabelled, label: -1)),
            ("suggested_label", submission(verdict: .correct, label: 3)),
            ("note", submission(note: String(repeating: "n", count: 10_001))),
            ("queue", submission(queue: String(repeating: "q", count: 201))),
            ("queue", submission(queue: "cie\n")),
        ]
        for (field, bad) in cases {
            let error = await assertReviewInputError(field: field) { _ = try await store.record(bad) }
            if let error { XCTAssertFalse("\(error)".contains("\n"), "\(error)") }
        }
        let log = try await store.log()
        XCTAssertEqual(log, [], "a refused submission must write nothing")
        await assertReviewInputError(field: "id") { _ = try await store.undo(exampleID: 100, reviewer: "alice") }
        await assertReviewInputError(field: "reviewer") { _ = try await store.undo(exampleID: 1, reviewer: "") }
    }

    func testTheMessageIsOneLineWithFieldAndProblem() async throws {
        let scratch = try ReviewScratch()
        let store = try scratch.open()
        let error = await assertReviewInputError(field: "suggested_label") {
            _ = try await store.record(self.submission(verdict: .mislabelled, label: 12))
        }
        XCTAssertEqual(error?.description, "suggested_label: 12 is not a class (0..<10)")
        let reviewer = await assertReviewInputError(field: "reviewer") {
            _ = try await store.record(self.submission(reviewer: "a\nb"))
        }
        XCTAssertEqual(reviewer?.description, #"reviewer: 'a\nb' contains a control character"#)
    }

    func testLimitsThemselvesAreAccepted() async throws {
        let scratch = try ReviewScratch()
        let store = try scratch.open()
        let accepted = [
            submission(id: 0, reviewer: "a"),
            submission(id: 99, reviewer: String(repeating: "é", count: 100)),
            submission(reviewer: "Zoë Ångström 李", verdict: .mislabelled, label: 0),
            submission(verdict: .mislabelled, label: 9),
            submission(verdict: .mislabelled, label: nil),
            submission(note: String(repeating: "n", count: 10_000)),
            submission(note: "line one\nline two\ttab, \"quotes\""),
            submission(queue: String(repeating: "q", count: 200)),
        ]
        for good in accepted {
            let stored = try await store.record(good)
            XCTAssertEqual(stored.note, good.note)
            XCTAssertEqual(stored.reviewer, good.reviewer)
        }
        let log = try await store.log()
        XCTAssertEqual(log.count, accepted.count)
    }
}
