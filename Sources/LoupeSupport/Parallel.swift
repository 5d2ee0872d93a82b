import Dispatch
import Foundation

/// Runs independent pieces of work on several threads and gathers their results in order.
///
/// Results are returned by index, never in completion order, so a caller that combines them
/// in that order gets the same answer on every run with the same thread count.
package enum Parallel {
    /// `[body(0), body(1), ..., body(count - 1)]`, evaluated on up to `threads` threads.
    ///
    /// `body` must only read shared state; each call gets its own index.
    package static func map<T>(count: Int, threads: Int, _ body: (Int) -> T) -> [T] {
        if threads <= 1 || count <= 1 { return (0..<count).map(body) }
        return withoutActuallyEscaping(body) { body in
            let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
            results.initialize(repeating: nil)
            defer {
                results.deinitialize()
                results.deallocate()
            }
            // The worker team starts within microseconds; when it is busy (a nested or
            // concurrent loop), Dispatch runs the loop. Either way workers take the next index
            // from a shared counter, so uneven items balance.
            let ran = WorkerTeam.shared.run(count: count, threads: threads) { results[$0] = body($0) }
            if !ran {
                let next = Unchecked(NextIndex())
                let shared = Unchecked((body: body, results: results))
                DispatchQueue.concurrentPerform(iterations: min(threads, count)) { _ in
                    while let index = next.value.take(below: count) {
                        shared.value.results[index] = shared.value.body(index)
                    }
                }
            }
            return results.map { $0! }
        }
    }

    /// Runs `body` over contiguous ranges covering `0..<count`, on up to `threads` threads,
    /// when there are at least `minimumPerThread` elements per thread; otherwise once over
    /// the whole range on the calling thread. For element-wise loops, whose results do not
    /// depend on how the range is split.
    package static func forEachRange(
        count: Int, threads: Int, minimumPerThread: Int = 16_384, _ body: (Range<Int>) -> Void
    ) {
        let parts = min(threads, count / max(minimumPerThread, 1))
        guard parts > 1 else {
            if count > 0 { body(0..<count) }
            return
        }
        let split = ranges(count: count, parts: parts)
        _ = map(count: parts, threads: parts) { body(split[$0]) }
    }

    /// Splits `0..<count` into `parts` contiguous ranges whose sizes differ by at most one.
    package static func ranges(count: Int, parts: Int) -> [Range<Int>] {
        let parts = max(1, min(parts, count))
        return (0..<parts).map { part in (count * part / parts)..<(count * (part + 1) / parts) }
    }
}

/// A counter handing out 0, 1, 2, ... to concurrent workers.
final class NextIndex: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()

    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}

/// Carries a value across a concurrency boundary the compiler cannot check.
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
