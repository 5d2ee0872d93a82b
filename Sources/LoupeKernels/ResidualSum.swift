/// The sum that closes a residual block, `out[i] = a[i] + b[i]`, rectified if asked (a sum
/// below zero becomes zero; NaN stays NaN): the tape's `rectifiedSum`. A convolution that adds
/// the shortcut as it writes its output (`ChannelAffine`) does the same two operations in its
/// own pass, so both give the same bits.
package enum ResidualSum {
    /// `out` may be `a` or `b`.
    package static func apply(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int,
        rectify: Bool
    ) {
        var i = 0
        while i + 16 <= count {
            let sum =
                UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
                + UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(out + i).storeBytes(
                of: rectify ? sum.replacing(with: 0, where: sum .< 0) : sum, as: SIMD16<Float>.self)
            i += 16
        }
        while i < count {
            let sum = a[i] + b[i]
            out[i] = rectify && sum < 0 ? 0 : sum
            i += 1
        }
    }
}
