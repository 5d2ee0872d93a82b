/// Measures elapsed wall-clock time on a monotonic clock.
public struct Stopwatch: Sendable {
    private let start = ContinuousClock.now

    /// Starts measuring now.
    public init() {}

    /// Seconds since the stopwatch was created.
    public var elapsedSeconds: Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}
