import CLoupeIntegerKernels

/// The pass between two integer layers: a layer's Int32 sums, per output channel `c`, become
/// `v = Float(max over the pooling window of (sum - corrections[c])) * rescales[c] + offsets[c]`,
/// rectified when `relu`, and then either the next layer's int8 code on its grid (stored as an
/// unsigned byte, code + 128, the form `Int8GEMM`'s in-place product reads) or `v` itself.
///
/// Pooling the Int32 sums before rescaling gives the same values as pooling the rescaled
/// floats, since the rescale is non-decreasing; each float operation is the one the layer by
/// layer engine performs, in its order, so every path gives the same bits as it.
package struct Int8Requantization {
    /// Unpooled positions (`height x width`, row-major), each a row of `ldc` sums.
    package let height: Int
    package let width: Int
    package let ldc: Int
    /// 1, or 2 for 2 x 2 max pooling of stride 2 (an odd last row or column is dropped).
    package let pool: Int
    package let corrections: [Int32]
    package let rescales: [Float]
    package let offsets: [Float]
    package let relu: Bool
    /// Output element (y, x, c) of the pooled grid, in elements from the output's start.
    package let rowStride: Int
    package let columnStride: Int
    package let channelStride: Int

    package init(
        height: Int, width: Int, ldc: Int, pool: Int, corrections: [Int32], rescales: [Float], offsets: [Float],
        relu: Bool, rowStride: Int, columnStride: Int, channelStride: Int
    ) {
        precondition(pool == 1 || pool == 2, "pooling windows are 1 or 2 wide")
        precondition(corrections.count == rescales.count && rescales.count == offsets.count, "one value per channel")
        precondition(ldc >= corrections.count, "sum rows narrower than the channels")
        (self.height, self.width, self.ldc, self.pool) = (height, width, ldc, pool)
        (self.corrections, self.rescales, self.offsets, self.relu) = (corrections, rescales, offsets, relu)
        (self.rowStride, self.columnStride, self.channelStride) = (rowStride, columnStride, channelStride)
    }

    /// Writes the codes on the grid `(scale, zeroPoint)`, plus 128, to `codes`.
    package func codes(
        _ sums: UnsafePointer<Int32>, scale: Float, zeroPoint: Int, into codes: UnsafeMutablePointer<UInt8>,
        path: IntegerKernelPath = .active
    ) {
        run(sums, codes: true, scale: scale, zeroPoint: Float(zeroPoint), output: codes, path: path)
    }

    /// Writes the values `v` to `values`.
    package func values(
        _ sums: UnsafePointer<Int32>, into values: UnsafeMutablePointer<Float>, path: IntegerKernelPath = .active
    ) {
        run(sums, codes: false, scale: 1, zeroPoint: 0, output: values, path: path)
    }

    private func run(
        _ sums: UnsafePointer<Int32>, codes: Bool, scale: Float, zeroPoint: Float, output: UnsafeMutableRawPointer,
        path: IntegerKernelPath
    ) {
        corrections.withUnsafeBufferPointer { corrections in
            rescales.withUnsafeBufferPointer { rescales in
                offsets.withUnsafeBufferPointer { offsets in
                    var description = loupe_int8_requantization(
                        height: height, width: width, ldc: ldc, pool: pool, channels: corrections.count,
                        corrections: corrections.baseAddress, rescales: rescales.baseAddress,
                        offsets: offsets.baseAddress, relu: relu ? 1 : 0, codes: codes ? 1 : 0, scale: scale,
                        zeroPoint: zeroPoint, rowStride: rowStride, columnStride: columnStride,
                        channelStride: channelStride)
                    loupe_int8_requantize(path.code, &description, sums, output)
                }
            }
        }
    }
}
