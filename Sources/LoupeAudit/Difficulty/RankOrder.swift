import LoupeSupport

/// The example indices ordered by decreasing score, ties by increasing index.
func indicesByDecreasingScore(_ scores: [Double]) -> [Int] {
    scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
}

/// The example indices ordered by increasing score, ties by increasing index.
func indicesByIncreasingScore(_ scores: [Double]) -> [Int] {
    scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] < scores[$1] : $0 < $1 }
}

/// Checks that `scores` and `flags` have the same length and every score is finite.
func validateScores(_ scores: [Double], flags: [Bool], flagName: String, source: String) throws {
    guard scores.count == flags.count else {
        throw InputError(source: source, problem: "\(scores.count) scores for \(flags.count) \(flagName)")
    }
    try validateFinite(scores, what: "score", source: source)
}
