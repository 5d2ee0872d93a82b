/// How a repetition of a run (`loupe verify --rerun`) compares with the run it repeats: each
/// recorded output against the repetition's hash and against the file in the run folder, each
/// measurement by its presence (measurements are taken again, not repeated), and the inputs
/// each read.
public struct RerunComparison: Equatable, Sendable {
    /// One line per output and measurement, and per input that differs, in recorded order.
    public private(set) var lines: [String] = []
    /// Recorded outputs that are bit-identical in the run folder, the manifest and the repetition.
    public private(set) var identicalOutputs = 0
    /// Outputs recorded by the run.
    public let recordedOutputs: Int
    /// Differences found, including files the folder check listed as unlisted or refused.
    public private(set) var problems = 0

    /// Whether the repetition reproduced the run exactly.
    public var isReproduced: Bool { problems == 0 }

    /// The closing line: how many outputs were reproduced, and how many problems there were.
    public var summary: String {
        isReproduced
            ? "reproduced: \(identicalOutputs) of \(recordedOutputs) outputs bit-identical"
            : "not reproduced: \(identicalOutputs) of \(recordedOutputs) outputs bit-identical, \(problems) problems"
    }

    /// Compares `repeated`, the manifest of the repetition, with `recorded`, the run's own;
    /// `folderReport` is the check of the run folder against `recorded`.
    public init(recorded: RunManifest, repeated: RunManifest, folderReport: ManifestVerificationReport) {
        recordedOutputs = recorded.outputs.count
        let repeatedOutputs = Dictionary(repeated.outputs.map { ($0.path, $0.sha256) }) { first, _ in first }
        let changedInFolder = Dictionary(folderReport.changed.map { ($0.path, $0.actualSHA256) }) { first, _ in first }
        let missingInFolder = Set(folderReport.missing)
        let short = { (hash: String) in String(hash.prefix(16)) + "…" }
        for record in recorded.outputs {
            guard let again = repeatedOutputs[record.path] else {
                report("missing    \(record.path)  not written by the rerun")
                continue
            }
            if again != record.sha256 {
                report("differs    \(record.path)  recorded \(short(record.sha256))  rerun \(short(again))")
            } else if let inFolder = changedInFolder[record.path] {
                report(
                    "differs    \(record.path)  the file in the run folder (\(short(inFolder))) is not what was recorded and rerun (\(short(again)))"
                )
            } else if missingInFolder.contains(record.path) {
                report("differs    \(record.path)  missing from the run folder; the rerun matches the recorded hash")
            } else {
                lines.append("identical  \(record.path)")
                identicalOutputs += 1
            }
        }
        let remeasured = Set((repeated.measurements ?? []).map(\.path))
        for record in recorded.measurements ?? [] {
            if remeasured.contains(record.path) {
                lines.append("measured   \(record.path)  measured again by the rerun, not compared")
            } else {
                report("missing    \(record.path)  not measured by the rerun")
            }
        }
        let recordedPaths = Set(recorded.outputs.map(\.path) + (recorded.measurements ?? []).map(\.path))
        for record in repeated.outputs + (repeated.measurements ?? []) where !recordedPaths.contains(record.path) {
            report("extra      \(record.path)  written by the rerun but not recorded")
        }
        let repeatedInputs = Set(repeated.inputs.map(\.sha256))
        for input in recorded.inputs where !repeatedInputs.contains(input.sha256) {
            report("input      \(input.path)  the rerun did not read this content (input changed or moved)")
        }
        if recorded.inputs.count != repeated.inputs.count {
            report("input      the rerun read \(repeated.inputs.count) files, the run \(recorded.inputs.count)")
        }
        problems += folderReport.unlisted.count + folderReport.refused.count
    }

    private mutating func report(_ line: String) {
        lines.append(line)
        problems += 1
    }
}
