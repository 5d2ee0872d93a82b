import Foundation
import LoupeSupport

/// When a run began: the wall-clock date, a monotonic stopwatch and the process's CPU time
/// then. A command that creates its run folder only once its work is done (an audit writes
/// after training its populations) hands the start of its work to the ``RunRecorder``, so that
/// the manifest's wall and CPU seconds cover the whole run.
public struct RunStart: Sendable {
    public let date = Date()
    let stopwatch = Stopwatch()
    let cpuSeconds = ResourceUsage.current().cpuSeconds

    /// The run begins now.
    public init() {}
}
