/// The per-channel map `y = x * scale[c] + shift[c]`, rectified if asked, that an
/// inference-mode batch norm (and a ReLU after it) applies: a convolution given one maps each
/// image's output right after writing it, while it is still in cache, with the values
/// `BatchNormalization.affine` gives.
///
/// With a `residual` (a residual block's shortcut, laid out as the output), the map is
/// followed by the residual sum and only that is rectified, `max(x * scale[c] + shift[c] + r, 0)`:
/// the values of the map, then the sum, then ReLU.
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
        let kernels = BatchNormalization(batch: 1, channels: channels, inner: inner, path: path)
        guard let residual else {
            kernels.affine(image, scale: scale, shift: shift, rectify: rectify, into: image)
            return
        }
        kernels.affine(image, scale: scale, shift: shift, rectify: false, into: image)
        let count = channels * inner
        ResidualSum.apply(image, residual + index * count, into: image, count: count, rectify: rectify)
    }
}
