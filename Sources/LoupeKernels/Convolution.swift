/// Image-to-column lowering for 2-D convolution of one image in CHW layout.
///
/// `im2col` writes a `[channels * kernelHeight * kernelWidth, outputHeight * outputWidth]`
/// matrix whose row `(c, ky, kx)` holds the input pixels that kernel tap meets at every output
/// position (zero outside the image); a convolution is then one matrix product with the
/// `[outputChannels, channels * kernelHeight * kernelWidth]` weight matrix. `col2im` is its
/// adjoint: it adds each column entry back onto the pixel it came from.
public struct ConvolutionGeometry: Hashable, Sendable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var stride: Int
    public var padding: Int

    public init(
        channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int,
        stride: Int, padding: Int
    ) {
        self.channels = channels
        self.height = height
        self.width = width
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
    }

    public var outputHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
    public var outputWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
    /// Rows of the lowered matrix: one per (channel, kernel row, kernel column).
    public var patchSize: Int { channels * kernelHeight * kernelWidth }

    /// Lowers `image` (`channels * height * width` floats) into `columns`
    /// (`patchSize * outputHeight * outputWidth` floats).
    public func im2col(_ image: UnsafePointer<Float>, into columns: UnsafeMutablePointer<Float>) {
        let oh = outputHeight
        let ow = outputWidth
        var row = columns
        for c in 0..<channels {
            let plane = image + c * height * width
            for ky in 0..<kernelHeight {
                for kx in 0..<kernelWidth {
                    for oy in 0..<oh {
                        let iy = oy * stride - padding + ky
                        let out = row + oy * ow
                        if iy < 0 || iy >= height {
                            out.update(repeating: 0, count: ow)
                            continue
                        }
                        let line = plane + iy * width
                        if stride == 1 {
                            let shift = kx - padding
                            let first = max(0, -shift)
                            let last = min(ow, width - shift)
                            if first > 0 { out.update(repeating: 0, count: min(first, ow)) }
                            if last > first { (out + first).update(from: line + first + shift, count: last - first) }
                            if last < ow { (out + max(last, first)).update(repeating: 0, count: ow - max(last, first)) }
                        } else {
                            for ox in 0..<ow {
                                let ix = ox * stride - padding + kx
                                out[ox] = ix >= 0 && ix < width ? line[ix] : 0
                            }
                        }
                    }
                    row += oh * ow
                }
            }
        }
    }

    /// Adds the lowered gradient `columns` back onto `image` (which it accumulates into).
    public func col2im(_ columns: UnsafePointer<Float>, addingInto image: UnsafeMutablePointer<Float>) {
        let oh = outputHeight
        let ow = outputWidth
        var row = columns
        for c in 0..<channels {
            let plane = image + c * height * width
            for ky in 0..<kernelHeight {
                for kx in 0..<kernelWidth {
                    for oy in 0..<oh {
                        let iy = oy * stride - padding + ky
                        guard iy >= 0 && iy < height else { continue }
                        let line = plane + iy * width
                        let source = row + oy * ow
                        if stride == 1 {
                            // Output column ox meets input column ox + shift: one contiguous run.
                            let shift = kx - padding
                            let first = max(0, -shift)
                            let last = min(ow, width - shift)
                            if last > first {
                                let target = line + first + shift
                                let from = source + first
                                for i in 0..<(last - first) { target[i] += from[i] }
                            }
                        } else {
                            for ox in 0..<ow {
                                let ix = ox * stride - padding + kx
                                if ix >= 0 && ix < width { line[ix] += source[ox] }
                            }
                        }
                    }
                    row += oh * ow
                }
            }
        }
    }
}
