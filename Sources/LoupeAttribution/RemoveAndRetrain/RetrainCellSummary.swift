/// The test accuracies of one (method, fraction, mode) cell over its retrained models, with
/// their mean and sample standard deviation.
public struct RetrainCellSummary: Codable, Equatable, Sendable {
    public var method: String
    /// The fraction of input elements ranked, in percent.
    public var percent: Double
    public var mode: RetrainMode
    /// One accuracy per retrained model, in retrain order.
    public var accuracies: [Double]
    public var meanAccuracy: Double
    /// The sample standard deviation (divisor `R - 1`) over the retrained models; `nil` for a
    /// single model, where it is undefined.
    public var standardDeviation: Double?

    /// - Precondition: at least one accuracy.
    public init(method: String, percent: Double, mode: RetrainMode, accuracies: [Double]) {
        precondition(!accuracies.isEmpty, "a cell needs at least one retrained model")
        self.method = method
        self.percent = percent
        self.mode = mode
        self.accuracies = accuracies
        (meanAccuracy, standardDeviation) = Self.meanAndSampleDeviation(accuracies)
    }

    /// The mean and, for two or more values, the sample standard deviation (two passes, in
    /// `Double`).
    public static func meanAndSampleDeviation(_ values: [Double]) -> (mean: Double, deviation: Double?) {
        let mean = values.reduce(0, +) / Double(values.count)
        guard values.count >= 2 else { return (mean, nil) }
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (mean, (squares / Double(values.count - 1)).squareRoot())
    }

    /// One summary per cell of `records`, in the order `methods`, then `percents`, then
    /// `modes` (cells without records are left out); accuracies in retrain order.
    public static func summaries(
        of records: [RetrainRecord], methods: [String], percents: [Double], modes: [RetrainMode]
    ) -> [RetrainCellSummary] {
        var summaries: [RetrainCellSummary] = []
        for method in methods {
            for percent in percents {
                for mode in modes {
                    let cell = records.filter { $0.method == method && $0.percent == percent && $0.mode == mode }
                        .sorted { $0.retrain < $1.retrain }
                    guard !cell.isEmpty else { continue }
                    summaries.append(
                        RetrainCellSummary(
                            method: method, percent: percent, mode: mode,
                            accuracies: cell.map { Double($0.correct) / Double($0.testCount) }))
                }
            }
        }
        return summaries
    }
}
