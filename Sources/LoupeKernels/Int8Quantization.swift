import CLoupeIntegerKernels

/// Float values to int8 codes on an affine grid, vectorised.
package enum Int8Quantization {
    /// `codes[i] = clamp(round_half_even(values[i] / scale) + zeroPoint, -128, 127)`, computed
    /// in Float in that order (what `ActivationRange.code` computes), for finite values.
    package static func codes(
        _ values: UnsafeBufferPointer<Float>, scale: Float, zeroPoint: Int,
        into codes: UnsafeMutableBufferPointer<Int8>,
        path: IntegerKernelPath = .active
    ) {
        precondition(codes.count >= values.count, "too few codes for the values")
        guard let source = values.baseAddress, let target = codes.baseAddress else { return }
        loupe_int8_quantize(path.code, source, values.count, scale, Float(zeroPoint), target)
    }
}
