/// Measures elapsed wall-clock time on a monotonic clock.
package struct Stopwatch: Sendable {
    private let start = ContinuousClock.now

    /// Starts measuring now.
    package init() {}

    /// Seconds since the stopwatch was created.
    package var elapsedSeconds: Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}
