import LoupeSupport
import LoupeWorkflows

/// A workflow's progress on the terminal: its log lines on standard output, counted work as
/// a progress line with rate and ETA on standard error when that is a terminal (nothing
/// when piped).
struct TerminalProgress: WorkflowProgress {
    func log(_ line: String) { print(line) }
    func meter(_ label: String, total: Int?) -> any ProgressMeter { ProgressLine(label: label, total: total) }
}
