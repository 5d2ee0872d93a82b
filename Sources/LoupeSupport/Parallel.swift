import Dispatch

/// Runs independent pieces of work on several threads and gathers their results in order.
///
/// Results are returned by index, never in completion order, so a caller that combines them
/// in that order gets the same answer on every run with the same thread count.
public enum Parallel {
    /// `[body(0), body(1), ..., body(count - 1)]`, evaluated on up to `threads` threads.
    ///
    /// `body` must only read shared state; each call gets its own index.
    public static func map<T>(count: Int, threads: Int, _ body: (Int) -> T) -> [T] {
        if threads <= 1 || count <= 1 { return (0..<count).map(body) }
        return withoutActuallyEscaping(body) { body in
            let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
            results.initialize(repeating: nil)
            defer {
                results.deinitialize()
                results.deallocate()
            }
            let shared = Unchecked((body: body, results: results))
            let workers = min(threads, count)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var index = worker
                while index < count {
                    shared.value.results[index] = shared.value.body(index)
                    index += workers
                }
            }
            return results.map { $0! }
        }
    }

    /// Splits `0..<count` into `parts` contiguous ranges whose sizes differ by at most one.
    public static func ranges(count: Int, parts: Int) -> [Range<Int>] {
        let parts = max(1, min(parts, count))
        return (0..<parts).map { part in (count * part / parts)..<(count * (part + 1) / parts) }
    }
}

/// Carries a value across a concurrency boundary the compiler cannot check.
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
