import Foundation

/// Quantities of one example's logits that the difficulty scores share, computed in
/// `Double` with a max-shifted softmax so large logits do not overflow.
struct LogitRow {
    /// The first index of the largest logit (ties go to the smallest class index).
    var argmax: Int
    /// `log(sum_j exp(z_j))`.
    var logSumExp: Double
    /// The logit of the label minus the largest other logit.
    var margin: Double
    /// The softmax probability of the label.
    var labelProbability: Double
    /// `||softmax(z) - onehot(label)||_2`.
    var errorNorm: Double

    init(_ row: ArraySlice<Float>, label: Int) {
        let start = row.startIndex
        var best = start
        for index in row.indices where row[index] > row[best] { best = index }
        let maximum = Double(row[best])
        var sum = 0.0
        for value in row { sum += exp(Double(value) - maximum) }
        var otherMaximum = -Double.infinity
        var squares = 0.0
        for index in row.indices {
            let probability = exp(Double(row[index]) - maximum) / sum
            let target = index - start == label ? 1.0 : 0.0
            squares += (probability - target) * (probability - target)
            if index - start != label { otherMaximum = max(otherMaximum, Double(row[index])) }
        }
        let labelLogit = Double(row[start + label])
        argmax = best - start
        logSumExp = maximum + log(sum)
        margin = labelLogit - otherMaximum
        labelProbability = exp(labelLogit - logSumExp)
        errorNorm = squares.squareRoot()
    }

    /// Whether the argmax is the label.
    func isCorrect(label: Int) -> Bool { argmax == label }
}
