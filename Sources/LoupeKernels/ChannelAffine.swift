import LoupeKernelCore
import LoupeKernelsAVX2
import LoupeKernelsAVX512

/// The per-channel map `y = x * scale[c] + shift[c]`, rectified if asked, that an
/// inference-mode batch norm (and a ReLU after it) applies: a convolution given one maps each
/// image's output right after writing it, while it is still in cache, with the values
/// `BatchNormalization.affine` gives.
///
/// With a `residual` (a residual block's shortcut, laid out as the output), the map is
/// followed by the residual sum and only that is rectified, `max(x * scale[c] + shift[c] + r, 0)`:
/// the values of the map, then the sum, then ReLU (the bits of `BatchNormalization.affine`
/// followed by `ResidualSum`, in one pass).
package struct ChannelAffine {
    package var scale: UnsafePointer<Float>
    package var shift: UnsafePointer<Float>
    package var rectify: Bool
    package var residual: UnsafePointer<Float>?
    package var path: KernelPath

    package init(
        scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, rectify: Bool, residual: UnsafePointer<Float>? = nil,
        path: KernelPath = .active
    ) {
        (self.scale, self.shift, self.rectify, self.residual, self.path) = (scale, shift, rectify, residual, path)
    }

    /// Maps image `index`'s `[channels, inner]` values in place.
    package func apply(_ image: UnsafeMutablePointer<Float>, index: Int, channels: Int, inner: Int) {
        apply(
            image, rows: 1, width: inner, rowStride: inner, planeStride: inner, index: index, channels: channels,
            into: image)
    }

    /// Maps image `index`'s outputs from `source`, `channels` planes of `rows` rows of `width`
    /// values (rows `rowStride` apart, planes `planeStride` apart), into the compact
    /// `[channels, rows * width]` `image`: the product a convolution writes with gaps between
    /// its rows is compacted and mapped in one pass.
    package func apply(
        _ source: UnsafePointer<Float>, rows: Int, width: Int, rowStride: Int, planeStride: Int, index: Int,
        channels: Int, into image: UnsafeMutablePointer<Float>
    ) {
        let residual = residual.map { $0 + index * channels * rows * width }
        switch path {
        case .avx512:
            avx512ChannelMapRows(
                source, channels: channels, rows: rows, width: width, rowStride: rowStride, planeStride: planeStride,
                scale: scale, shift: shift, residual: residual, rectify: rectify, into: image)
        case .avx2:
            avx2ChannelMapRows(
                source, channels: channels, rows: rows, width: width, rowStride: rowStride, planeStride: planeStride,
                scale: scale, shift: shift, residual: residual, rectify: rectify, into: image)
        case .generic:
            ChannelNormalization<SeparateMultiplyAdd>.mapRows(
                source, channels: channels, rows: rows, width: width, rowStride: rowStride, planeStride: planeStride,
                scale: scale, shift: shift, residual: residual, rectify: rectify, into: image)
        }
    }
}
