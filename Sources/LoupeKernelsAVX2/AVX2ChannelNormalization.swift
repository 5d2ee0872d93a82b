import LoupeKernelCore

// The batch-normalization kernels (`ChannelNormalization`) compiled for AVX2 + FMA. Call only
// after checking the CPU supports them.

/// `ChannelNormalization.statistics` compiled for AVX2 + FMA.
package func avx2ChannelStatistics(
    _ x: UnsafePointer<Float>, batch: Int, channels: Range<Int>, channelCount: Int, inner: Int,
    mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>
) {
    ChannelNormalization<AVX2MultiplyAdd>.statistics(
        x, batch: batch, channels: channels, channelCount: channelCount, inner: inner, mean: mean, variance: variance)
}

/// `ChannelNormalization.affine` compiled for AVX2 + FMA.
package func avx2ChannelAffine(
    _ x: UnsafePointer<Float>, batch: Int, channels: Range<Int>, channelCount: Int, inner: Int,
    scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, residual: UnsafePointer<Float>?, rectify: Bool,
    into y: UnsafeMutablePointer<Float>
) {
    ChannelNormalization<AVX2MultiplyAdd>.affine(
        x, batch: batch, channels: channels, channelCount: channelCount, inner: inner, scale: scale, shift: shift,
        residual: residual, rectify: rectify, into: y)
}

/// `ChannelNormalization.mapRows` compiled for AVX2 + FMA.
package func avx2ChannelMapRows(
    _ x: UnsafePointer<Float>, channels: Int, rows: Int, width: Int, rowStride: Int, planeStride: Int,
    scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, residual: UnsafePointer<Float>?, rectify: Bool,
    into y: UnsafeMutablePointer<Float>
) {
    ChannelNormalization<AVX2MultiplyAdd>.mapRows(
        x, channels: channels, rows: rows, width: width, rowStride: rowStride, planeStride: planeStride,
        scale: scale, shift: shift, residual: residual, rectify: rectify, into: y)
}

/// `ChannelNormalization.gradientSums` compiled for AVX2 + FMA.
package func avx2ChannelGradientSums(
    _ g: UnsafePointer<Float>, input x: UnsafePointer<Float>, rectifier: ChannelRectifier?, batch: Int,
    channels: Range<Int>, channelCount: Int, inner: Int, mean: UnsafePointer<Float>,
    sums: UnsafeMutablePointer<Double>, products: UnsafeMutablePointer<Double>
) {
    ChannelNormalization<AVX2MultiplyAdd>.gradientSums(
        g, input: x, rectifier: rectifier, batch: batch, channels: channels, channelCount: channelCount, inner: inner,
        mean: mean, sums: sums, products: products)
}

/// `ChannelNormalization.inputGradient` compiled for AVX2 + FMA.
package func avx2ChannelInputGradient(
    _ g: UnsafePointer<Float>, input x: UnsafePointer<Float>, rectifier: ChannelRectifier?, batch: Int,
    channels: Range<Int>, channelCount: Int, inner: Int, mean: UnsafePointer<Float>,
    gradientScale a: UnsafePointer<Float>, inputScale b: UnsafePointer<Float>, constant k: UnsafePointer<Float>,
    into dx: UnsafeMutablePointer<Float>
) {
    ChannelNormalization<AVX2MultiplyAdd>.inputGradient(
        g, input: x, rectifier: rectifier, batch: batch, channels: channels, channelCount: channelCount, inner: inner,
        mean: mean, gradientScale: a, inputScale: b, constant: k, into: dx)
}
