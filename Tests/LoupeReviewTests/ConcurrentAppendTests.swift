import Foundation
import LoupeReview
import XCTest

/// Many concurrent writers: every acknowledged record is stored once, in one increasing sequence.
final class ConcurrentAppendTests: XCTestCase {
    func testTwoHundredTasksOfTenRecordsLoseNone() async throws {
        let scratch = try ReviewScratch()
        let store = try scratch.open()
        let tasks = 200
        let perTask = 10
        let acknowledged = try await withThrowingTaskGroup(of: [VerdictRecord].self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var records: [VerdictRecord] = []
                    for k in 0..<perTask {
                        records.append(
                            try await store.record(
                                VerdictSubmission(
                                    exampleID: (task * perTask + k) % 100, reviewer: "reviewer-\(task)",
                                    verdict: Verdict.allCases[k % 5], note: "task \(task) record \(k)")))
                    }
                    return records
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        XCTAssertEqual(acknowledged.count, tasks * perTask)
        XCTAssertEqual(Set(acknowledged.map(\.sequence)).count, tasks * perTask, "sequences must be distinct")

        let log = try await store.log()
        XCTAssertEqual(log.count, tasks * perTask)
        XCTAssertEqual(Set(log), Set(acknowledged))
        XCTAssertTrue(zip(log, log.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
        // Each task's own records were acknowledged in order, so their sequences increase.
        let byReviewer = Dictionary(grouping: log, by: \.reviewer)
        XCTAssertEqual(byReviewer.count, tasks)
        for (reviewer, records) in byReviewer {
            let task = reviewer.dropFirst("reviewer-".count)
            XCTAssertEqual(records.map(\.note), (0..<perTask).map { "task \(task) record \($0)" })
        }
    }

    func testConcurrentUndosRetractEachVerdictAtMostOnce() async throws {
        let scratch = try ReviewScratch()
        let store = try scratch.open()
        for verdict in Verdict.allCases {
            _ = try await store.record(VerdictSubmission(exampleID: 5, reviewer: "alice", verdict: verdict))
        }
        // Twenty undos racing for five verdicts: exactly five succeed, each on a different one.
        let undone = try await withThrowingTaskGroup(of: Int64?.self) { group in
            for _ in 0..<20 { group.addTask { try await store.undo(exampleID: 5, reviewer: "alice")?.undoes } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let retracted = undone.compactMap { $0 }
        XCTAssertEqual(retracted.count, 5)
        XCTAssertEqual(Set(retracted).count, 5)
        let current = try await store.current()
        XCTAssertEqual(current[5], [:])
    }

    func testRecordsAndUndosInterleavedAcrossTasksKeepEachReviewersOrder() async throws {
        let scratch = try ReviewScratch()
        let store = try scratch.open()
        // Each task: a verdict, a second one, then an undo that must retract the second.
        let firsts = try await withThrowingTaskGroup(of: (Int, VerdictRecord, VerdictRecord, VerdictRecord?).self) {
            group in
            for task in 0..<50 {
                group.addTask {
                    let first = try await store.record(
                        VerdictSubmission(exampleID: task % 10, reviewer: "r\(task)", verdict: .correct))
                    let second = try await store.record(
                        VerdictSubmission(exampleID: task % 10, reviewer: "r\(task)", verdict: .ambiguous))
                    let undo = try await store.undo(exampleID: task % 10, reviewer: "r\(task)")
                    return (task, first, second, undo)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let current = try await store.current()
        for (task, first, second, undo) in firsts {
            XCTAssertEqual(undo?.undoes, second.sequence)
            XCTAssertEqual(current[task % 10]["r\(task)"], first)
        }
        let log = try await store.log()
        XCTAssertEqual(log.count, 150)
        XCTAssertEqual(CurrentVerdicts(log: log), current)
    }
}
