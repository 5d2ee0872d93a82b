import LoupeSupport

/// Checks that there is one label per example and, when `classCount` is given, that every
/// label is in `0..<classCount` (otherwise that every label is non-negative).
func validateLabels(_ labels: [Int], exampleCount: Int, classCount: Int?, source: String) throws {
    guard labels.count == exampleCount else {
        throw InputError(source: source, problem: "\(labels.count) labels for \(exampleCount) examples")
    }
    let upper = classCount ?? Int.max
    if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= upper }) {
        let range = classCount.map { "0..<\($0)" } ?? "0..."
        throw InputError(source: source, problem: "label \(labels[bad]) of example \(bad) is outside \(range)")
    }
}

/// Checks that every score is finite; `what` names the scores in the error.
func validateFinite(_ scores: [Double], what: String, source: String) throws {
    if let bad = scores.firstIndex(where: { !$0.isFinite }) {
        throw InputError(source: source, problem: "\(what) of example \(bad) is \(scores[bad])")
    }
}
