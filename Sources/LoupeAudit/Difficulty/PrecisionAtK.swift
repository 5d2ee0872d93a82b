import LoupeSupport

/// The fraction of positives among the `k` examples with the highest scores (pass
/// `DifficultyScores.hardness` for a difficulty score).
///
/// `k` defaults to the number of positives (then precision equals recall, the usual
/// label-noise benchmark figure). Examples tied at the `k`-th score are taken in example
/// order (lower index first), so the result is deterministic.
///
/// - Throws: `InputError` when the counts differ, a score is not finite, there are no
///   positives (with the default `k`), or `k` is outside `1...examples`.
public func precisionAtK(scores: [Double], positives: [Bool], k: Int? = nil) throws -> Double {
    let source = "precision at k"
    try validateScores(scores, flags: positives, flagName: "positive flags", source: source)
    let count = k ?? positives.count { $0 }
    guard count >= 1 && count <= scores.count else {
        throw InputError(source: source, problem: "k = \(count) is outside 1...\(scores.count)")
    }
    let top = indicesByDecreasingScore(scores).prefix(count)
    return Double(top.count { positives[$0] }) / Double(count)
}
