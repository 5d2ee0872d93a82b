import LoupeSupport
import LoupeWorkflows

/// A workflow's progress on the terminal: its log lines on standard output (control
/// characters escaped: a line may quote a path or a name the user gave), counted work as a
/// progress line with rate and ETA on standard error when that is a terminal (nothing when
/// piped).
struct TerminalProgress: WorkflowProgress {
    func log(_ line: String) { print(EscapedText.escaping(line)) }
    func meter(_ label: String, total: Int?) -> any ProgressMeter { ProgressLine(label: label, total: total) }
}
