import LoupeSupport

/// The area under the ROC curve of `scores` for finding the examples flagged in `positives`
/// (a higher score should mean more likely positive; pass `DifficultyScores.hardness` for a
/// difficulty score).
///
/// It is the Mann-Whitney U statistic over `positives * negatives`, with tied scores given
/// their average rank, so a tie between a positive and a negative counts one half; this
/// equals `sklearn.metrics.roc_auc_score(positives, scores)`. 0.5 is chance, 1 is perfect.
///
/// - Throws: `InputError` when the counts differ, a score is not finite, or there are
///   no positives or no negatives.
public func areaUnderROC(scores: [Double], positives: [Bool]) throws -> Double {
    let source = "AUROC"
    try validateScores(scores, flags: positives, flagName: "positive flags", source: source)
    let positiveCount = positives.count { $0 }
    let negativeCount = positives.count - positiveCount
    guard positiveCount > 0 && negativeCount > 0 else {
        throw InputError(
            source: source,
            problem: "\(positiveCount) positives and \(negativeCount) negatives, at least one of each is needed")
    }
    let order = indicesByIncreasingScore(scores)
    var positiveRankSum = 0.0
    var start = 0
    while start < order.count {
        var end = start + 1
        while end < order.count && scores[order[end]] == scores[order[start]] { end += 1 }
        // Ranks start + 1 ... end, averaged over the tie group.
        let averageRank = Double(start + 1 + end) / 2
        for position in start..<end where positives[order[position]] { positiveRankSum += averageRank }
        start = end
    }
    let p = Double(positiveCount)
    let u = positiveRankSum - p * (p + 1) / 2
    return u / (p * Double(negativeCount))
}
