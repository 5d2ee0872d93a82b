import LoupeSupport

/// How an int8 convolution reads its input in place, with no lowering: the image is stored
/// channels-last with its padding (`paddedHeight x paddedWidth x channels` unsigned bytes,
/// code + 128, plus 3 bytes of slack), each output position is a row of the product starting
/// at its window's corner (`rowOffsets`), and each kernel row's `kernelWidth * channels`
/// contiguous bytes are read as 4-byte quads (`quadOffsets`). A quad's bytes past the kernel
/// row meet zero weights (`weightsInQuadOrder`), so they may hold anything.
package struct Int8ConvolutionLayout: Sendable {
    package let geometry: ConvolutionGeometry
    package var paddedHeight: Int { geometry.height + 2 * geometry.padding }
    package var paddedWidth: Int { geometry.width + 2 * geometry.padding }
    /// Quads per kernel row: `ceil(kernelWidth * channels / 4)`.
    package var quadsPerKernelRow: Int { (geometry.kernelWidth * geometry.channels + 3) / 4 }
    /// Depth of the product in quads: one per kernel row and 4 bytes of it.
    package var quads: Int { geometry.kernelHeight * quadsPerKernelRow }
    /// Bytes of a padded image with its slack (the last quad of a window may read 3 bytes past
    /// the image); `nil` on overflow.
    package var imageBytes: Int? {
        CheckedSize.product([paddedHeight, paddedWidth, geometry.channels]).flatMap { CheckedSize.sum([$0, 3]) }
    }

    package init(_ geometry: ConvolutionGeometry) { self.geometry = geometry }

    /// Offset in the padded image of pixel (`y`, `x`) of the unpadded image, channel 0.
    package func offset(y: Int, x: Int) -> Int {
        ((y + geometry.padding) * paddedWidth + x + geometry.padding) * geometry.channels
    }

    /// The corner of each output position's window, row-major over the output.
    package var rowOffsets: [Int] {
        let (stride, channels, width) = (geometry.stride, geometry.channels, paddedWidth)
        return (0..<geometry.outputHeight).flatMap { oy in
            (0..<geometry.outputWidth).map { ox in (oy * stride * width + ox * stride) * channels }
        }
    }

    /// The offset of each quad from a window's corner: kernel row by kernel row, 4 bytes at a time.
    package var quadOffsets: [Int] {
        let rowBytes = paddedWidth * geometry.channels
        return (0..<geometry.kernelHeight).flatMap { ky in (0..<quadsPerKernelRow).map { ky * rowBytes + 4 * $0 } }
    }

    /// The convolution's weight codes (`outputs x channels x kernelHeight x kernelWidth`)
    /// rearranged to the quads' byte order (`outputs x 4 quads`), zero where a quad's byte lies
    /// past its kernel row.
    package func weightsInQuadOrder(_ codes: UnsafeBufferPointer<Int8>, outputs: Int) -> [Int8] {
        let (channels, kh, kw) = (geometry.channels, geometry.kernelHeight, geometry.kernelWidth)
        precondition(codes.count >= outputs * channels * kh * kw, "weights do not fit the convolution")
        let depth = 4 * quads
        var reordered = [Int8](repeating: 0, count: outputs * depth)
        for o in 0..<outputs {
            for ky in 0..<kh {
                for byte in 0..<(4 * quadsPerKernelRow) {
                    let (kx, c) = byte.quotientAndRemainder(dividingBy: channels)
                    guard kx < kw else { continue }
                    reordered[o * depth + ky * 4 * quadsPerKernelRow + byte] =
                        codes[((o * channels + c) * kh + ky) * kw + kx]
                }
            }
        }
        return reordered
    }
}
