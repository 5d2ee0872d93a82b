import Foundation

/// The polynomial sparsity schedule of gradual magnitude pruning (Zhu & Gupta, 2017):
/// `s(t) = s_final + (s_initial - s_final) * (1 - p)^exponent` with
/// `p = clamp((t - begin) / (end - begin), 0, 1)`; masks are recomputed every `frequency`
/// steps between `beginStep` and `endStep`.
public struct PruningSchedule: Codable, Equatable, Sendable {
    public var initialSparsity: Double
    public var finalSparsity: Double
    public var beginStep: Int
    public var endStep: Int
    public var frequency: Int
    public var exponent: Double

    public init(
        initialSparsity: Double = 0, finalSparsity: Double, beginStep: Int, endStep: Int, frequency: Int = 100,
        exponent: Double = 3
    ) {
        self.initialSparsity = initialSparsity
        self.finalSparsity = finalSparsity
        self.beginStep = beginStep
        self.endStep = endStep
        self.frequency = frequency
        self.exponent = exponent
    }

    /// The target sparsity at step `t`.
    public func sparsity(atStep t: Int) -> Double {
        let span = Double(max(endStep - beginStep, 1))
        let progress = min(max(Double(t - beginStep) / span, 0), 1)
        return finalSparsity + (initialSparsity - finalSparsity) * pow(1 - progress, exponent)
    }

    /// Whether masks are recomputed at step `t`, given the step of the last update (`nil`
    /// before the first): inside [begin, end] and at least `frequency` steps after the last,
    /// and always at `endStep` so the final sparsity is reached exactly.
    public func updatesMasks(atStep t: Int, lastUpdate: Int?) -> Bool {
        guard t >= beginStep, t <= endStep else { return false }
        guard let lastUpdate else { return true }
        return t - lastUpdate >= frequency || (t == endStep && lastUpdate != endStep)
    }

    /// Checks the settings; the error names the bad one.
    public func validate() throws(CompressionError) {
        for (name, value) in [("initial", initialSparsity), ("final", finalSparsity)] where !(value >= 0 && value < 1) {
            throw CompressionError("\(name) sparsity must be in [0, 1), got \(value)")
        }
        guard beginStep >= 0, endStep >= beginStep else {
            throw CompressionError("pruning steps must satisfy 0 <= begin <= end, got \(beginStep)...\(endStep)")
        }
        guard frequency > 0 else { throw CompressionError("pruning frequency must be positive, got \(frequency)") }
        guard exponent > 0, exponent.isFinite else { throw CompressionError("pruning exponent must be positive") }
    }
}
