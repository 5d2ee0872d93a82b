import CLoupeIntegerKernels

extension ConvolutionGeometry {
    /// Lowers one int8 image (`channels x height x width`) into `rows`
    /// (`outputHeight * outputWidth` rows of `patchSize` values, ordered like the weights:
    /// channel, kernel row, kernel column): the left operand of an `Int8GEMM` convolution.
    /// Taps in the padding read `fill` (the code of zero).
    package func int8Rows(_ image: UnsafePointer<Int8>, fill: Int8, into rows: UnsafeMutablePointer<Int8>) {
        loupe_int8_im2row(image, channels, height, width, kernelHeight, kernelWidth, stride, padding, fill, rows)
    }
}
