import CLoupePlatform
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

/// The worker team's loop protocol under back-to-back loops of varying sizes: a worker late
/// from one loop must never take an index of the next (issue 12: a late worker paired the old
/// loop's exhausted ticket with the new loop's larger count and ran an index twice, or trapped
/// in `withoutActuallyEscaping`).
final class WorkerTeamStressTests: XCTestCase {
    /// Two million tiny loops (sizes 1-9, small after large and large after small) on teams of
    /// one and three workers, started back to back so that a worker is often still finishing
    /// the previous loop: every index of every loop runs exactly once and no other index runs.
    /// `LOUPE_STRESS_LOOPS` sets the number of loops per team.
    func testBackToBackLoopsRunEveryIndexExactlyOnce() {
        let loops = ProcessInfo.processInfo.environment["LOUPE_STRESS_LOOPS"].flatMap { Int($0) } ?? 1_000_000
        let sizes = [2, 5, 1, 7, 3, 2, 9, 4, 6, 1, 8]
        let slots = 16
        let batch = 4096
        let counters = UnsafeMutablePointer<CLongLong>.allocate(capacity: batch * slots)
        defer { counters.deallocate() }
        for workers in [1, 3] {
            let team = WorkerTeam(workers: workers)
            var failure: String?
            var loop = 0
            while loop < loops, failure == nil {
                // Loops run back to back into their own counters; they are checked after the batch.
                let first = loop
                counters.initialize(repeating: 0, count: batch * slots)
                var refused = 0
                while loop < min(first + batch, loops) {
                    let base = counters + (loop - first) * slots
                    let ran = team.run(count: sizes[loop % sizes.count], threads: workers + 1) { index in
                        _ = loupe_atomic_fetch_add(base + index, 1)
                    }
                    if !ran { refused += 1 }
                    loop += 1
                }
                for checked in first..<loop {
                    let size = sizes[checked % sizes.count]
                    let runs = (0..<slots).map { counters[(checked - first) * slots + $0] }
                    if refused > 0 || runs != (0..<slots).map({ $0 < size ? 1 : 0 }) {
                        failure = "team of \(workers), loop \(checked) of size \(size): runs per index \(runs)"
                        break
                    }
                }
            }
            XCTAssertNil(failure)
        }
    }
}
