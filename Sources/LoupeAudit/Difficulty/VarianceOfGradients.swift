import LoupeSupport

/// Variance of gradients (VoG, Agarwal, D'souza and Hooker 2022), accumulated one checkpoint
/// at a time.
///
/// For each checkpoint the caller supplies every example's input gradient of the pre-softmax
/// logit of its label, shape `[examples, H, W]` or `[examples, C, H, W]`, flat in row-major
/// order. The `C` channels are averaged into one `H x W` map, and each pixel's running mean
/// and sum of squared deviations (`M2`) across checkpoints are updated with Welford's
/// algorithm. Only those two values per pixel are kept: memory is `8 * examples * H * W`
/// bytes (`Float` storage; 376 MB for 60,000 examples of 28 x 28), whatever the number of
/// checkpoints.
///
/// The score of an example is the mean over its pixels of the per-pixel POPULATION standard
/// deviation across the `K` checkpoints, `sqrt(M2 / K)`. Higher VoG means harder
/// (`DifficultyMeasure.vog`). Rank within classes with `ClassNormalization`.
///
/// Precision: the running statistics are `Float`; the per-pixel standard deviations are
/// averaged in `Double`. Relative to an exact computation the scores agree to about `1e-6`,
/// except for pixels whose spread is many orders of magnitude below their mean, which
/// contribute almost nothing to the score.
public struct VarianceOfGradients: Sendable {
    /// The number of examples, the first dimension of every checkpoint.
    public let exampleCount: Int
    /// Pixels per example after channel averaging, `H * W`.
    public let mapSize: Int
    /// The number of checkpoints added so far.
    public private(set) var checkpointCount = 0
    /// The shape of the first checkpoint added; every later one must have the same shape.
    public private(set) var checkpointShape: [Int]?
    /// Names the computation in errors that are not about a particular checkpoint.
    public let source: String

    private var mean: [Float]
    private var squaredDeviations: [Float]

    /// Creates an empty accumulator for `exampleCount` examples of `mapSize` (`H * W`)
    /// pixels each; `source` names it in errors.
    public init(exampleCount: Int, mapSize: Int, source: String = "VoG") {
        precondition(exampleCount >= 0 && mapSize > 0, "VoG needs a non-negative example count and a positive map size")
        self.exampleCount = exampleCount
        self.mapSize = mapSize
        self.source = source
        mean = [Float](repeating: 0, count: exampleCount * mapSize)
        squaredDeviations = [Float](repeating: 0, count: exampleCount * mapSize)
    }

    /// Adds one checkpoint's gradients, shape `[examples, H, W]` or `[examples, C, H, W]`.
    ///
    /// - Parameter source: names this checkpoint in errors (for example its file name);
    ///   `nil` means `VoG checkpoint k` with `k` counted from 1.
    /// - Throws: `InputError` when the shape does not hold `exampleCount` maps of
    ///   `mapSize` pixels, differs from the first checkpoint's shape, does not match the
    ///   number of values, or a gradient is NaN or infinite. The accumulator is unchanged
    ///   when it throws.
    public mutating func add(_ gradients: [Float], shape: [Int], source: String? = nil) throws {
        try gradients.withUnsafeBufferPointer { try add(buffer: $0, shape: shape, source: source) }
    }

    /// Adds one checkpoint's `Double` gradients (converted to `Float`); see `add(_:shape:source:)`.
    public mutating func add(_ gradients: [Double], shape: [Int], source: String? = nil) throws {
        try gradients.withUnsafeBufferPointer { try add(buffer: $0, shape: shape, source: source) }
    }

    /// The VoG score of every example: the mean over pixels of `sqrt(M2 / K)`.
    ///
    /// - Throws: `InputError` when fewer than two checkpoints were added.
    public func scores() throws -> [Double] {
        guard checkpointCount >= 2 else {
            throw InputError(
                source: source,
                problem:
                    "\(checkpointCount) checkpoint\(checkpointCount == 1 ? "" : "s") added, at least 2 are needed for a variance"
            )
        }
        let inverseCount = 1 / Float(checkpointCount)
        let pixels = mapSize
        var result = [Double](repeating: 0, count: exampleCount)
        squaredDeviations.withUnsafeBufferPointer { m2 in
            for example in 0..<exampleCount {
                let base = example * pixels
                var sum = 0.0
                for pixel in 0..<pixels {
                    sum += Double((m2[base + pixel] * inverseCount).squareRoot())
                }
                result[example] = sum / Double(pixels)
            }
        }
        return result
    }

    private mutating func add<T: BinaryFloatingPoint>(
        buffer: UnsafeBufferPointer<T>, shape: [Int], source: String?
    ) throws {
        let name = source ?? "\(self.source) checkpoint \(checkpointCount + 1)"
        try Self.validate(
            buffer: buffer, shape: shape, firstShape: checkpointShape, exampleCount: exampleCount, mapSize: mapSize,
            source: name)
        accumulate(buffer: buffer, shape: shape)
    }

    /// Checks a checkpoint before any state changes: against `firstShape` when one was seen,
    /// otherwise against the example count and map size; `source` names it in errors.
    static func validate<T: BinaryFloatingPoint>(
        buffer: UnsafeBufferPointer<T>, shape: [Int], firstShape: [Int]?, exampleCount: Int, mapSize: Int,
        source: String
    ) throws {
        func fail(_ problem: String) -> InputError { InputError(source: source, problem: problem) }
        if let first = firstShape {
            guard shape == first else {
                throw fail("shape \(shape) differs from the first checkpoint's \(first)")
            }
        } else {
            guard shape.count == 3 || shape.count == 4 else {
                throw fail("gradients have shape \(shape), expected [examples, H, W] or [examples, C, H, W]")
            }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("shape \(shape) has a negative dimension") }
            guard shape[0] == exampleCount else {
                throw fail("gradients have shape \(shape) for \(shape[0]) examples, expected \(exampleCount)")
            }
            let map = CheckedSize.product(shape.suffix(2))
            guard map == mapSize else {
                throw fail(
                    "gradients have shape \(shape), maps of \(map.map(String.init) ?? "too many") pixels, expected \(mapSize)"
                )
            }
            guard shape.count == 3 || shape[1] > 0 else { throw fail("gradients have shape \(shape) with no channels") }
        }
        let product = CheckedSize.product(shape)
        guard let expected = product, buffer.count == expected else {
            throw fail(
                "\(buffer.count) gradient values for shape \(shape), expected \(product.map(String.init) ?? "more than fit in memory")"
            )
        }
        if let bad = buffer.firstIndex(where: { !$0.isFinite }) {
            let perExample = max(expected / max(exampleCount, 1), 1)
            throw fail("gradient of example \(bad / perExample) is \(Double(buffer[bad]))")
        }
    }

    /// Averages the channels of each example and applies one Welford update per pixel.
    /// The buffer must have passed `validate`.
    mutating func accumulate<T: BinaryFloatingPoint>(buffer: UnsafeBufferPointer<T>, shape: [Int]) {
        if checkpointShape == nil { checkpointShape = shape }
        let channels = shape.count == 4 ? shape[1] : 1
        checkpointCount += 1
        let inverseCount = 1 / Float(checkpointCount)
        let pixels = mapSize
        let channelCount = Float(channels)
        var map = [Float](repeating: 0, count: pixels)
        mean.withUnsafeMutableBufferPointer { mean in
            squaredDeviations.withUnsafeMutableBufferPointer { m2 in
                map.withUnsafeMutableBufferPointer { map in
                    for example in 0..<exampleCount {
                        let input = example * channels * pixels
                        for pixel in 0..<pixels { map[pixel] = Float(buffer[input + pixel]) }
                        if channels > 1 {
                            for channel in 1..<channels {
                                let offset = input + channel * pixels
                                for pixel in 0..<pixels { map[pixel] += Float(buffer[offset + pixel]) }
                            }
                            for pixel in 0..<pixels { map[pixel] /= channelCount }
                        }
                        let base = example * pixels
                        for pixel in 0..<pixels {
                            let value = map[pixel]
                            let delta = value - mean[base + pixel]
                            mean[base + pixel] += delta * inverseCount
                            m2[base + pixel] += delta * (value - mean[base + pixel])
                        }
                    }
                }
            }
        }
    }
}
