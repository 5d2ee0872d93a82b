import LoupeReview
import XCTest

/// The rule: a label is corrected when a strict majority of the reviewers who judged the
/// example say mislabelled with the same suggested class.
final class LabelOverridesTests: XCTestCase {
    func testStrictMajoritiesOverrideAndEverythingElseConflicts() throws {
        let current = currentVerdicts([
            // 1: a lone reviewer suggesting 5: 1 of 1.
            (1, "alice", .mislabelled, 5),
            // 2: two of three agree on 3 against correct: override.
            (2, "alice", .mislabelled, 3), (2, "bob", .mislabelled, 3), (2, "carol", .correct, nil),
            // 3: a tie, 1 of 2 against correct: conflict.
            (3, "alice", .mislabelled, 4), (3, "bob", .correct, nil),
            // 4: two classes suggested: conflict.
            (4, "alice", .mislabelled, 1), (4, "bob", .mislabelled, 2),
            // 5: mislabelled without a class counts as a reviewer but for no class: 1 of 2.
            (5, "alice", .mislabelled, 7), (5, "bob", .mislabelled, nil),
            // 6: nobody suggests a class: neither.
            (6, "alice", .mislabelled, nil), (6, "bob", .ambiguous, nil),
            // 7: all agree: override with support 2 of 2.
            (7, "alice", .mislabelled, 0), (7, "bob", .mislabelled, 0),
            // 8: the earlier suggestion was replaced by correct: only current verdicts count.
            (8, "alice", .mislabelled, 9), (8, "alice", .correct, nil),
        ])
        let overrides = VerdictExport.labelOverrides(current)
        XCTAssertEqual(overrides.overrides.map(\.exampleID), [1, 2, 7])
        XCTAssertEqual(overrides.overrides.map(\.label), [5, 3, 0])
        XCTAssertEqual(overrides.overrides.map(\.supporting), [1, 2, 2])
        XCTAssertEqual(overrides.overrides.map(\.reviewers), [1, 3, 2])
        XCTAssertEqual(overrides.conflicts.map(\.exampleID), [3, 4, 5])
        XCTAssertEqual(overrides.conflicts[0].description, "example 3: alice mislabelled->4, bob correct")
        XCTAssertEqual(overrides.csv, "id,label\r\n1,5\r\n2,3\r\n7,0\r\n")
        XCTAssertEqual(parseCSV(overrides.csv), [["id", "label"], ["1", "5"], ["2", "3"], ["7", "0"]])
        XCTAssertEqual(overrides.csv(split: "test"), "id,label,split\r\n1,5,test\r\n2,3,test\r\n7,0,test\r\n")
    }

    func testNoCorrectionsGiveJustTheHeader() {
        let overrides = LabelOverrides(currentVerdicts([(1, "alice", .correct, nil)]))
        XCTAssertEqual(overrides.overrides, [])
        XCTAssertEqual(overrides.conflicts, [])
        XCTAssertEqual(overrides.csv, "id,label\r\n")
    }

    func testAnUndoneSuggestionNoLongerOverrides() async throws {
        let scratch = try ReviewScratch()
        let store = try scratch.open()
        _ = try await store.record(
            VerdictSubmission(exampleID: 3, reviewer: "alice", verdict: .mislabelled, suggestedLabel: 2))
        var overrides = VerdictExport.labelOverrides(try await store.current())
        XCTAssertEqual(overrides.csv, "id,label\r\n3,2\r\n")
        _ = try await store.undo(exampleID: 3, reviewer: "alice")
        overrides = VerdictExport.labelOverrides(try await store.current())
        XCTAssertEqual(overrides.csv, "id,label\r\n")
    }
}
