import Foundation
import XCTest

@testable import LoupeSupport

final class ParallelTests: XCTestCase {
    /// Results come back by index whatever thread ran them, for loops much longer than the team.
    func testMapReturnsResultsByIndex() {
        for count in [2, 3, 17, 1000] {
            XCTAssertEqual(Parallel.map(count: count, threads: 2) { $0 * $0 }, (0..<count).map { $0 * $0 })
        }
        XCTAssertEqual(Parallel.map(count: 0, threads: 4) { $0 }, [])
    }

    /// Loops started inside a loop (the team is busy) and from several threads at once
    /// (only one can have the team) still run every index once.
    func testNestedAndConcurrentLoopsRunEveryIndex() {
        let nested = Parallel.map(count: 6, threads: 2) { outer in
            Parallel.map(count: 5, threads: 2) { inner in outer * 10 + inner }.reduce(0, +)
        }
        XCTAssertEqual(nested, (0..<6).map { outer in (0..<5).reduce(0) { $0 + outer * 10 + $1 } })
        final class Sums: @unchecked Sendable {
            let lock = NSLock()
            var values: [Int] = []
        }
        let sums = Sums()
        DispatchQueue.concurrentPerform(iterations: 8) { caller in
            let total = Parallel.map(count: 100, threads: 2) { $0 + caller }.reduce(0, +)
            sums.lock.lock()
            sums.values.append(total - 100 * caller)
            sums.lock.unlock()
        }
        XCTAssertEqual(sums.values, Array(repeating: 4950, count: 8))
    }

    /// A team loop asked to use `threads` threads runs on at most that many (a team of three
    /// workers, so that the limit is what holds the loop back), and a busy team says so.
    func testTeamLoopsUseNoMoreThreadsThanAsked() {
        final class Seen: @unchecked Sendable {
            let lock = NSLock()
            var threads: Set<ObjectIdentifier> = []
            var results = [Int](repeating: -1, count: 256)
        }
        let team = WorkerTeam(workers: 3)
        for threads in [1, 2, 4] {
            for _ in 0..<20 {
                let seen = Seen()
                let ran = team.run(count: 256, threads: threads) { index in
                    for _ in 0..<200 { _ = sqrt(Double(index)) }
                    seen.lock.lock()
                    seen.threads.insert(ObjectIdentifier(Thread.current))
                    seen.results[index] = index * 2
                    seen.lock.unlock()
                }
                XCTAssertTrue(ran)
                XCTAssertLessThanOrEqual(seen.threads.count, threads)
                XCTAssertEqual(seen.results, (0..<256).map { $0 * 2 })
            }
        }
        var inner = true
        XCTAssertTrue(team.run(count: 1, threads: 2) { _ in inner = team.run(count: 1, threads: 2) { _ in } })
        XCTAssertFalse(inner, "a loop started inside a loop finds the team busy")
    }

    /// The ranges cover `0..<count` once, in order; short loops stay whole.
    func testForEachRangeCoversTheRangeOnce() {
        final class Ranges: @unchecked Sendable {
            let lock = NSLock()
            var ranges: [Range<Int>] = []
        }
        for (count, threads, expectedParts) in [(100_000, 2, 2), (100_000, 3, 3), (1000, 2, 1), (0, 2, 0)] {
            let seen = Ranges()
            Parallel.forEachRange(count: count, threads: threads) { range in
                seen.lock.lock()
                seen.ranges.append(range)
                seen.lock.unlock()
            }
            let sorted = seen.ranges.sorted { $0.lowerBound < $1.lowerBound }
            XCTAssertEqual(sorted.count, expectedParts, "count \(count)")
            XCTAssertEqual(sorted.flatMap { Array($0) }, Array(0..<count))
        }
    }
}
