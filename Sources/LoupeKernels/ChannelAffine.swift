/// The per-channel map `y = x * scale[c] + shift[c]`, rectified if asked, that an
/// inference-mode batch norm (and a ReLU after it) applies: a convolution given one maps each
/// image's output right after writing it, while it is still in cache, with the values
/// `BatchNormalization.affine` gives.
package struct ChannelAffine {
    package var scale: UnsafePointer<Float>
    package var shift: UnsafePointer<Float>
    package var rectify: Bool
    package var path: KernelPath

    package init(scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, rectify: Bool, path: KernelPath = .active) {
        (self.scale, self.shift, self.rectify, self.path) = (scale, shift, rectify, path)
    }

    /// Maps one image's `[channels, inner]` values in place.
    package func apply(_ image: UnsafeMutablePointer<Float>, channels: Int, inner: Int) {
        BatchNormalization(batch: 1, channels: channels, inner: inner, path: path)
            .affine(image, scale: scale, shift: shift, rectify: rectify, into: image)
    }
}
