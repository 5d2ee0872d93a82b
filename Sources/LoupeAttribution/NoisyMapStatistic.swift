/// How a SmoothGrad-family wrapper reduces, element by element, a base method's maps over the
/// noisy copies of an image.
public protocol NoisyMapStatistic: Sendable {
    /// The wrapper's command-line name, for example `smoothgrad`.
    static var wrapperName: String { get }
    /// The statistic of one element's values over the copies.
    static func reduce(_ values: [Float]) -> Float
}

/// SmoothGrad's statistic: the mean.
public enum MeanOfMaps: NoisyMapStatistic {
    public static var wrapperName: String { "smoothgrad" }
    public static func reduce(_ values: [Float]) -> Float { values.reduce(0, +) / Float(values.count) }
}

/// SmoothGrad-squared's statistic: the mean of the squares.
public enum MeanOfSquaredMaps: NoisyMapStatistic {
    public static var wrapperName: String { "smoothgrad-squared" }
    public static func reduce(_ values: [Float]) -> Float {
        values.reduce(0) { $0 + $1 * $1 } / Float(values.count)
    }
}

/// VarGrad's statistic: the population variance `mean((a - mean(a))^2)` (dividing by the
/// number of copies), computed in two passes so that it is never negative.
public enum VarianceOfMaps: NoisyMapStatistic {
    public static var wrapperName: String { "vargrad" }
    public static func reduce(_ values: [Float]) -> Float {
        let count = Float(values.count)
        let mean = values.reduce(0, +) / count
        return values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / count
    }
}
