import Foundation

/// A one-line progress display for long work, such as `attributing 1200/5000  85.3/s  ETA 0:44`.
///
/// The line is rewritten in place (carriage return) on standard error, at most about ten
/// times a second. When standard error is not a terminal (piped or redirected) nothing is
/// printed, so logs stay clean. Safe to call from several threads.
package final class ProgressLine: @unchecked Sendable {
    private let label: String
    private let total: Int?
    private let isEnabled: Bool
    private let minimumInterval: Double
    private let output: @Sendable (String) -> Void
    private let now: @Sendable () -> Double
    private let lock = NSLock()
    private let startTime: Double
    private var done = 0
    private var lastDrawTime: Double?
    private var isFinished = false

    /// Creates a progress line.
    ///
    /// - Parameters:
    ///   - label: What is being done, shown first.
    ///   - total: The number of items, if known; without it no ETA is shown.
    ///   - isEnabled: Whether to draw at all; by default, whether standard error is a terminal.
    ///   - minimumInterval: Seconds between redraws.
    ///   - output: Receives each piece of text to print; by default writes to standard error.
    ///   - now: A monotonic time in seconds; replaceable for tests.
    package init(
        label: String,
        total: Int?,
        isEnabled: Bool = isatty(STDERR_FILENO) != 0,
        minimumInterval: Double = 0.1,
        output: @escaping @Sendable (String) -> Void = {
            FileHandle.standardError.write(Data($0.utf8))
        },
        now: @escaping @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    ) {
        self.label = label
        self.total = total
        self.isEnabled = isEnabled
        self.minimumInterval = minimumInterval
        self.output = output
        self.now = now
        self.startTime = now()
    }

    /// Records that `count` more items are done, redrawing if enough time has passed.
    package func advance(by count: Int = 1) {
        lock.withLock {
            done += count
            drawIfDue(force: false)
        }
    }

    /// Records that `done` items are done in total, redrawing if enough time has passed.
    package func update(done: Int) {
        lock.withLock {
            self.done = done
            drawIfDue(force: false)
        }
    }

    /// Prints `line` to standard output above the progress line: the progress line is
    /// cleared first and redrawn after.
    package func log(_ line: String) {
        lock.withLock {
            if isEnabled, !isFinished, lastDrawTime != nil { output("\r\u{1B}[K") }
            print(line)
            fflush(nil)  // all output streams; print is buffered when piped
            if lastDrawTime != nil { drawIfDue(force: true) }
        }
    }

    /// Draws the final state and ends the line. Later calls do nothing.
    package func finish() {
        lock.withLock {
            guard !isFinished else { return }
            drawIfDue(force: true)
            isFinished = true
            if isEnabled { output("\n") }
        }
    }

    private func drawIfDue(force: Bool) {
        guard isEnabled, !isFinished else { return }
        let time = now()
        if !force, let last = lastDrawTime, time - last < minimumInterval { return }
        lastDrawTime = time
        output("\r" + render(elapsed: time - startTime) + "\u{1B}[K")
    }

    /// The text of the line after `elapsed` seconds.
    func render(elapsed: Double) -> String {
        var parts = [label, total.map { "\(done)/\($0)" } ?? "\(done)"]
        guard elapsed > 0, done > 0 else { return parts.joined(separator: "  ") }
        let rate = Double(done) / elapsed
        parts.append(String(format: "%.1f/s", rate))
        if let total, total >= done {
            parts.append("ETA " + Self.clock(Double(total - done) / rate))
        }
        return parts.joined(separator: "  ")
    }

    /// `seconds` as `m:ss`, or `h:mm:ss` from an hour on.
    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        let (hours, minutes, secs) = (whole / 3600, whole / 60 % 60, whole % 60)
        return hours > 0
            ? String(format: "%d:%02d:%02d", hours, minutes, secs)
            : String(format: "%d:%02d", minutes, secs)
    }
}
