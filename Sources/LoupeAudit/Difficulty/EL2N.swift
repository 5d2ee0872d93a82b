import LoupeSupport

/// The EL2N score (Paul, Ganguli and Dziugaite 2021): `||softmax(z) - onehot(y)||_2` of an
/// example's logits early in training, averaged over independent runs. Higher is harder.
public enum EL2N {
    /// The EL2N score of every example at epoch index `epoch` (`0` = after the first epoch),
    /// averaged over `runs` (for example, models trained from different seeds).
    ///
    /// - Throws: `InputError` when there are no runs, the runs' example or class counts
    ///   differ from the first run's, a run has no epoch `epoch`, or a label is out of range.
    public static func scores(runs: [EpochLogits], labels: [Int], epoch: Int) throws -> [Double] {
        guard let first = runs.first else { throw InputError(source: "EL2N", problem: "no runs given") }
        for run in runs {
            guard run.exampleCount == first.exampleCount && run.classCount == first.classCount else {
                throw InputError(
                    source: run.source,
                    problem:
                        "logits of shape \(run.shape) disagree with \(first.source)'s \(first.shape) in examples or classes"
                )
            }
            guard epoch >= 0 && epoch < run.epochCount else {
                throw InputError(
                    source: run.source, problem: "EL2N epoch index \(epoch) is outside 0..<\(run.epochCount)")
            }
        }
        try validateLabels(labels, exampleCount: first.exampleCount, classCount: first.classCount, source: first.source)
        var sums = [Double](repeating: 0, count: first.exampleCount)
        for run in runs {
            for example in 0..<run.exampleCount {
                sums[example] += LogitRow(run.row(epoch: epoch, example: example), label: labels[example]).errorNorm
            }
        }
        let count = Double(runs.count)
        return sums.map { $0 / count }
    }
}
