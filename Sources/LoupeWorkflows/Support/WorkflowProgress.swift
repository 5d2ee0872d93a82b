import LoupeSupport

/// What a workflow reports while it runs: lines of its log, and counted work.
///
/// The `loupe` command prints the lines and draws a progress line with rate and ETA on a
/// terminal; a caller from Swift can collect the lines or pass ``SilentProgress``.
public protocol WorkflowProgress: Sendable {
    /// One line of the run's log.
    func log(_ line: String)
    /// Starts counting `total` items (unknown if nil) of the task `label`.
    func meter(_ label: String, total: Int?) -> any ProgressMeter
}

/// Counted work in progress: advanced as items are done, finished once.
public protocol ProgressMeter: AnyObject, Sendable {
    /// Records that `count` more items are done.
    func advance(by count: Int)
    /// One line of the run's log, written while the work goes on.
    func log(_ line: String)
    /// Ends the count; later calls do nothing.
    func finish()
}

extension ProgressLine: ProgressMeter {}

/// Progress that reports nothing.
public struct SilentProgress: WorkflowProgress {
    public init() {}
    public func log(_ line: String) {}
    public func meter(_ label: String, total: Int?) -> any ProgressMeter { Meter() }

    private final class Meter: ProgressMeter {
        func advance(by count: Int) {}
        func log(_ line: String) {}
        func finish() {}
    }
}
