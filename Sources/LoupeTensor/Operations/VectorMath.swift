/// `exp`, `log`, `tanh` and the logistic sigmoid sixteen lanes at a time, for the softmax
/// family and the smooth activations.
///
/// Both follow the Cephes single-precision routines: exp reduces `x = n ln 2 + r` with
/// `|r| <= ln 2 / 2` and evaluates a degree-6 polynomial, log splits off the exponent and
/// evaluates a degree-9 polynomial in the mantissa; results are within 2 ulp of the correctly
/// rounded values over the float range (tested against the C library), including subnormal
/// results and arguments, zeros, infinities and NaN.
enum VectorMath {
    @inline(__always)
    static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let isNaN = x .!= x
        // Clamped by comparisons: `clamped(lowerBound:upperBound:)` is not inlined here and
        // runs lane by lane.
        var t = x.replacing(with: 0, where: isNaN)
        t.replace(with: -104, where: t .< -104)
        t.replace(with: 89, where: t .> 89)
        // Round t / ln 2 to the nearest integer n with the 1.5 * 2^23 trick: n ends up in the
        // low mantissa bits of z.
        let magic = SIMD16<Float>(repeating: 12_582_912)
        let z = t * 1.442_695_04 + magic
        let n = z - magic
        let r = t - n * 0.693_359_375 - n * -2.121_944_4e-4
        var p = 1.987_569_15e-4 * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * r * r + r + 1
        // 2^n as two factors, so that n from -150 to 128 gives subnormals and infinity by rounding.
        let integer = unsafeBitCast(z, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
        let half = integer &>> 1
        let first = unsafeBitCast((half &+ 127) &<< 23, to: SIMD16<Float>.self)
        let second = unsafeBitCast((integer &- half &+ 127) &<< 23, to: SIMD16<Float>.self)
        return (p * first * second).replacing(with: .nan, where: isNaN)
    }

    @inline(__always)
    static func log(_ x: SIMD16<Float>) -> SIMD16<Float> {
        // Subnormals scaled into the normal range first.
        let isSubnormal = (x .< Float.leastNormalMagnitude) .& (x .> 0)
        let scaled = x.replacing(with: x * 8_388_608, where: isSubnormal)
        let bits = unsafeBitCast(scaled, to: SIMD16<Int32>.self)
        var exponent = SIMD16<Float>((bits &>> 23) &- 127)
        exponent.replace(with: exponent - 23, where: isSubnormal)
        var m = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F80_0000, to: SIMD16<Float>.self)  // [1, 2)
        let above = m .> 1.414_213_56
        m.replace(with: m * 0.5, where: above)
        exponent.replace(with: exponent + 1, where: above)
        let f = m - 1
        let z = f * f
        var y = 7.037_683_629_2e-2 * f - 1.151_461_031_0e-1
        y = y * f + 1.167_699_874_0e-1
        y = y * f - 1.242_014_084_6e-1
        y = y * f + 1.424_932_278_7e-1
        y = y * f - 1.666_805_766_5e-1
        y = y * f + 2.000_071_476_5e-1
        y = y * f - 2.499_999_399_3e-1
        y = y * f + 3.333_333_117_4e-1
        y = y * f * z
        y += exponent * -2.121_944_4e-4
        y += -0.5 * z
        var result = f + y + exponent * 0.693_359_375
        result.replace(with: -.infinity, where: x .== 0)
        result.replace(with: .infinity, where: x .== .infinity)
        result.replace(with: .nan, where: (x .< 0) .| (x .!= x))
        return result
    }

    /// Cephes' tanhf: `x + x^3 P(x^2)` below 0.625 in magnitude, else `1 - 2 / (exp(2|x|) + 1)`
    /// with the sign of `x` (within 3 ulp of the C library; 1 beyond 9).
    @inline(__always)
    static func tanh(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let magnitude = x.replacing(with: -x, where: x .< 0)
        let large = 1 - 2 / (exp(magnitude + magnitude) + 1)
        let z = x * x
        var p = -5.704_988_727_45e-3 * z + 2.063_908_879_54e-2
        p = p * z - 5.373_971_555_31e-2
        p = p * z + 1.333_144_220_36e-1
        p = p * z - 3.333_328_194_22e-1
        let small = p * z * x + x
        let signed = large.replacing(with: -large, where: x .< 0)
        return signed.replacing(with: small, where: magnitude .< 0.625)
    }

    /// `1 / (1 + exp(-x))`.
    @inline(__always)
    static func sigmoid(_ x: SIMD16<Float>) -> SIMD16<Float> { 1 / (1 + exp(-x)) }

    /// Applies `function` to `count` values from `input` into `output` (which may be `input`).
    @inline(__always)
    static func map(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int,
        _ function: (SIMD16<Float>) -> SIMD16<Float>
    ) {
        var i = 0
        while i + 16 <= count {
            let value = function(UnsafeRawPointer(input + i).loadUnaligned(as: SIMD16<Float>.self))
            UnsafeMutableRawPointer(output + i).storeBytes(of: value, as: SIMD16<Float>.self)
            i += 16
        }
        guard i < count else { return }
        var tail = SIMD16<Float>(repeating: 1)
        for j in 0..<(count - i) { tail[j] = input[i + j] }
        let value = function(tail)
        for j in 0..<(count - i) { output[i + j] = value[j] }
    }
}
