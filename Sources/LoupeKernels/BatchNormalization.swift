import LoupeKernelCore
import LoupeKernelsAVX2
import LoupeKernelsAVX512

/// The batch-normalization kernels of `[batch, channels, inner]` tensors on the active kernel
/// path (`ChannelNormalization`): channel statistics, the per-channel affine map (optionally
/// rectified), and the two passes of the backward rule. `channels` picks the channels to
/// compute (all by default), so a caller can share them between threads; each channel's
/// result does not depend on that split.
package struct BatchNormalization {
    /// Images in the batch.
    package var batch: Int
    /// Channels (axis 1).
    package var channels: Int
    /// Values per channel and image (H x W, or 1).
    package var inner: Int
    /// The kernel path to run on.
    package var path: KernelPath

    package init(batch: Int, channels: Int, inner: Int, path: KernelPath = .active) {
        (self.batch, self.channels, self.inner, self.path) = (batch, channels, inner, path)
    }

    /// Each channel's mean and biased variance.
    package func statistics(
        _ x: UnsafePointer<Float>, mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>,
        channels range: Range<Int>? = nil
    ) {
        let range = range ?? 0..<channels
        switch path {
        case .avx512:
            avx512ChannelStatistics(
                x, batch: batch, channels: range, channelCount: channels, inner: inner, mean: mean, variance: variance)
        case .avx2:
            avx2ChannelStatistics(
                x, batch: batch, channels: range, channelCount: channels, inner: inner, mean: mean, variance: variance)
        case .generic:
            ChannelNormalization<SeparateMultiplyAdd>.statistics(
                x, batch: batch, channels: range, channelCount: channels, inner: inner, mean: mean, variance: variance)
        }
    }

    /// `y = x * scale[c] + shift[c]`, then `+ residual` (of `x`'s shape) when given,
    /// rectified if asked.
    package func affine(
        _ x: UnsafePointer<Float>, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
        adding residual: UnsafePointer<Float>? = nil, rectify: Bool, into y: UnsafeMutablePointer<Float>,
        channels range: Range<Int>? = nil
    ) {
        let range = range ?? 0..<channels
        switch path {
        case .avx512:
            avx512ChannelAffine(
                x, batch: batch, channels: range, channelCount: channels, inner: inner, scale: scale, shift: shift,
                residual: residual, rectify: rectify, into: y)
        case .avx2:
            avx2ChannelAffine(
                x, batch: batch, channels: range, channelCount: channels, inner: inner, scale: scale, shift: shift,
                residual: residual, rectify: rectify, into: y)
        case .generic:
            ChannelNormalization<SeparateMultiplyAdd>.affine(
                x, batch: batch, channels: range, channelCount: channels, inner: inner, scale: scale, shift: shift,
                residual: residual, rectify: rectify, into: y)
        }
    }

    /// Per channel `Σ g'` and `Σ g' * (x - mean[c])`, `g'` being `g` zeroed where the
    /// output of the forward's `affine(…, rectify: true)` by `affine`'s scale and shift (when
    /// given) was not positive.
    package func gradientSums(
        _ g: UnsafePointer<Float>, input x: UnsafePointer<Float>,
        rectifiedBy affine: (scale: UnsafePointer<Float>, shift: UnsafePointer<Float>)?,
        mean: UnsafePointer<Float>, sums: UnsafeMutablePointer<Double>, products: UnsafeMutablePointer<Double>,
        channels range: Range<Int>? = nil
    ) {
        let range = range ?? 0..<channels
        let rectifier = affine.map { ChannelRectifier(scale: $0.scale, shift: $0.shift) }
        switch path {
        case .avx512:
            avx512ChannelGradientSums(
                g, input: x, rectifier: rectifier, batch: batch, channels: range, channelCount: channels, inner: inner,
                mean: mean, sums: sums, products: products)
        case .avx2:
            avx2ChannelGradientSums(
                g, input: x, rectifier: rectifier, batch: batch, channels: range, channelCount: channels, inner: inner,
                mean: mean, sums: sums, products: products)
        case .generic:
            ChannelNormalization<SeparateMultiplyAdd>.gradientSums(
                g, input: x, rectifier: rectifier, batch: batch, channels: range, channelCount: channels, inner: inner,
                mean: mean, sums: sums, products: products)
        }
    }

    /// `dx = a[c] * g' + (b[c] * (x - mean[c]) + k[c])`, `g'` as in `gradientSums`.
    package func inputGradient(
        _ g: UnsafePointer<Float>, input x: UnsafePointer<Float>,
        rectifiedBy affine: (scale: UnsafePointer<Float>, shift: UnsafePointer<Float>)?,
        mean: UnsafePointer<Float>, gradientScale a: UnsafePointer<Float>, inputScale b: UnsafePointer<Float>,
        constant k: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, channels range: Range<Int>? = nil
    ) {
        let range = range ?? 0..<channels
        let rectifier = affine.map { ChannelRectifier(scale: $0.scale, shift: $0.shift) }
        switch path {
        case .avx512:
            avx512ChannelInputGradient(
                g, input: x, rectifier: rectifier, batch: batch, channels: range, channelCount: channels, inner: inner,
                mean: mean, gradientScale: a, inputScale: b, constant: k, into: dx)
        case .avx2:
            avx2ChannelInputGradient(
                g, input: x, rectifier: rectifier, batch: batch, channels: range, channelCount: channels, inner: inner,
                mean: mean, gradientScale: a, inputScale: b, constant: k, into: dx)
        case .generic:
            ChannelNormalization<SeparateMultiplyAdd>.inputGradient(
                g, input: x, rectifier: rectifier, batch: batch, channels: range, channelCount: channels, inner: inner,
                mean: mean, gradientScale: a, inputScale: b, constant: k, into: dx)
        }
    }
}
