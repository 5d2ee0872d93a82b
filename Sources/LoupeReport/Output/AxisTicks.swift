import Foundation

/// Round, evenly spaced values for a chart axis: multiples of 1, 2 or 5 times a power of ten
/// that cover a range with about a target number of intervals.
struct AxisTicks: Equatable {
    /// The tick values, ascending; the first and last are the axis ends.
    let values: [Double]
    /// Digits after the decimal point that show every tick exactly.
    let decimals: Int

    /// Ticks covering `lower...upper`, both finite; an empty range is widened around its value.
    init(lower: Double, upper: Double, targetIntervals: Int = 5) {
        var (lower, upper) = (lower, upper)
        if upper <= lower {
            let padding = lower == 0 ? 1 : abs(lower) * 0.1
            (lower, upper) = (lower - padding, upper + padding)
        }
        let rawStep = (upper - lower) / Double(targetIntervals)
        var exponent = Int(floor(log10(rawStep)))
        var multiple = [1.0, 2, 5, 10].first { rawStep <= $0 * pow(10, Double(exponent)) } ?? 10
        if multiple == 10 { (multiple, exponent) = (1, exponent + 1) }
        let step = multiple * pow(10, Double(exponent))
        let first = floor(lower / step)
        let intervals = Int((ceil(upper / step) - first).rounded())
        values = (0...intervals).map { (first + Double($0)) * step }
        decimals = min(max(0, -exponent), 15)
    }

    /// The axis range.
    var range: ClosedRange<Double> { values[0]...values[values.count - 1] }

    /// `value` with ``decimals`` digits after the point, never as negative zero.
    func label(_ value: Double) -> String {
        let text = String(format: "%.\(decimals)f", value)
        return Double(text) == 0 ? String(format: "%.\(decimals)f", 0.0) : text
    }
}
