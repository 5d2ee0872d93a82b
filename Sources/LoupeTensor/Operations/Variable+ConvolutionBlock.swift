import LoupeKernels

extension Variable {
    /// `conv2d(weight:bias:stride:padding:).relu().maxPool2d(kernel: 2)` as one operation,
    /// image by image: each image's convolution output stays in a cache-sized buffer and only
    /// the pooled result, four times smaller, is written out, with the position of each
    /// window's maximum for the backward pass. Stride-1 convolutions read their patches in
    /// place from a zero-padded copy of the image (`ConvolutionGeometry.paddedRowOffsets`)
    /// instead of copying them out.
    ///
    /// Values and input gradients are bit for bit those of the three operations (up to the
    /// sign of zeros); the weight gradient (summed over padded rows of positions) and the bias
    /// gradient (summed over pooled windows) agree to float rounding. Shapes whose convolution
    /// output the pooling cannot stream (odd height or width, or narrower than 8) run the three
    /// operations.
    public func conv2dReLUMaxPool2x2(weight: Variable, bias: Variable?, stride: Int = 1, padding: Int = 0) -> Variable {
        let (x, w) = (value, weight.value)
        precondition(
            x.rank == 4 && w.rank == 4 && x.shape[1] == w.shape[1],
            "conv2d: input \(x.shape) does not fit weight \(w.shape)")
        let geometry = ConvolutionGeometry(
            channels: x.shape[1], height: x.shape[2], width: x.shape[3],
            kernelHeight: w.shape[2], kernelWidth: w.shape[3], stride: stride, padding: padding)
        let (batch, outChannels) = (x.shape[0], w.shape[0])
        let (oh, ow) = (geometry.outputHeight, geometry.outputWidth)
        guard oh > 0, ow >= 8, oh % 2 == 0, ow % 2 == 0 else {
            return conv2d(weight: weight, bias: bias, stride: stride, padding: padding).reluMaxPool2d(kernel: 2)
        }
        let (spatial, patch) = (oh * ow, geometry.patchSize)
        let pooledSize = outChannels * (oh / 2) * (ow / 2)
        let imageSize = geometry.channels * geometry.height * geometry.width
        let needs = (
            input: requiresGradient, weight: weight.requiresGradient, bias: bias?.requiresGradient ?? false
        )
        let recordsWindows = needs.input || needs.weight || needs.bias
        // Stride 1: the product reads the zero-padded image through row offsets, and output
        // rows are `paddedWidth` apart; otherwise patches are copied out (im2col).
        let padded = geometry.lowersPadded
        let (rowLength, positions) = padded ? (geometry.paddedWidth, geometry.paddedPositions) : (ow, spatial)
        let rowOffsets = padded ? geometry.paddedRowOffsets() : []
        // The index (0-3, row-major) of each window's first maximum, for the backward pass.
        var windows = [Float](repeating: 0, count: recordsWindows ? batch * pooledSize : 0)
        var lowered = [Float](repeating: 0, count: padded ? geometry.paddedImageCount : patch * spatial)
        var convolved = [Float](repeating: 0, count: outChannels * positions)
        let biasValues = bias?.value
        let result = Tensor(shape: [batch, outChannels, oh / 2, ow / 2]) { out in
            x.withUnsafeBufferPointer { xp in
                w.withUnsafeBufferPointer { wp in
                    let packedWeight = w.packedOperands?.operand(
                        side: .left, rows: outChannels, columns: patch, source: wp.baseAddress!, rowStride: patch,
                        isTransposed: false)
                    lowered.withUnsafeMutableBufferPointer { low in
                        convolved.withUnsafeMutableBufferPointer { conv in
                            windows.withUnsafeMutableBufferPointer { win in
                                rowOffsets.withUnsafeBufferPointer { offsets in
                                    for n in 0..<batch {
                                        // Start from the bias and add the product, as `conv2d` does.
                                        if let biasValues {
                                            biasValues.withUnsafeBufferPointer { b in
                                                for o in 0..<outChannels {
                                                    (conv.baseAddress! + o * positions).update(
                                                        repeating: b[o], count: positions)
                                                }
                                            }
                                        }
                                        let image = xp.baseAddress! + n * imageSize
                                        if padded {
                                            geometry.pad(image, into: low.baseAddress!)
                                        } else {
                                            geometry.im2col(image, into: low.baseAddress!)
                                        }
                                        GEMM.multiply(
                                            m: outChannels, n: positions, k: patch, a: wp.baseAddress!, lda: patch,
                                            b: low.baseAddress!, ldb: positions, beta: biasValues == nil ? 0 : 1,
                                            c: conv.baseAddress!, ldc: positions, packedA: packedWeight,
                                            bRowOffsets: padded ? offsets.baseAddress! : nil)
                                        poolWindowPairs(
                                            conv.baseAddress!, pairs: outChannels * oh / 2, rowLength: rowLength,
                                            width: ow, rectifying: true, into: out.baseAddress! + n * pooledSize,
                                            windows: recordsWindows ? win.baseAddress! + n * pooledSize : nil)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return tape.record(result, kind: .conv2dReLUMaxPool2d, inputs: inputs) { g in
            var dx = [Float](repeating: 0, count: needs.input ? x.count : 0)
            var dw = [Float](repeating: 0, count: needs.weight ? w.count : 0)
            var biasTotals = [Double](repeating: 0, count: needs.bias ? outChannels : 0)
            var columns = [Float](repeating: 0, count: patch * max(positions, spatial))
            var convolved = [Float](repeating: 0, count: outChannels * spatial)
            // The padded lowering: the output gradient with rows `paddedWidth` apart (zero past
            // each row's outputs), the padded image (weight gradient) and its gradient.
            var spread = [Float](repeating: 0, count: padded ? outChannels * positions : 0)
            var paddedImage = [Float](repeating: 0, count: padded && needs.weight ? geometry.paddedImageCount : 0)
            var paddedGradient = [Float](repeating: 0, count: padded && needs.input ? geometry.paddedImageCount : 0)
            x.withUnsafeBufferPointer { xp in
                w.withUnsafeBufferPointer { wp in
                    let packedWeight =
                        needs.input
                        ? w.packedOperands?.operand(
                            side: .left, rows: patch, columns: outChannels, source: wp.baseAddress!, rowStride: patch,
                            isTransposed: true) : nil
                    g.withUnsafeBufferPointer { gp in
                        result.withUnsafeBufferPointer { yp in
                            windows.withUnsafeBufferPointer { win in
                                columns.withUnsafeMutableBufferPointer { col in
                                    convolved.withUnsafeMutableBufferPointer { conv in
                                        dx.withUnsafeMutableBufferPointer { dxp in
                                            dw.withUnsafeMutableBufferPointer { dwp in
                                                spread.withUnsafeMutableBufferPointer { spreadp in
                                                    paddedGradient.withUnsafeMutableBufferPointer { pgp in
                                                        paddedImage.withUnsafeMutableBufferPointer { pip in
                                                            rowOffsets.withUnsafeBufferPointer { offsets in
                                                                for n in 0..<batch {
                                                                    // The convolution output's gradient for this image,
                                                                    // rows `rowLength` apart (zero past each row's outputs).
                                                                    let offset = n * pooledSize
                                                                    let target =
                                                                        padded
                                                                        ? spreadp.baseAddress! : conv.baseAddress!
                                                                    expandWindowGradients(
                                                                        gp.baseAddress! + offset,
                                                                        maximum: yp.baseAddress! + offset,
                                                                        windows: win.baseAddress! + offset,
                                                                        pairs: outChannels * oh / 2, width: ow,
                                                                        rowLength: rowLength, into: target)
                                                                    let gn = UnsafePointer(target)
                                                                    let image = n * imageSize
                                                                    if needs.bias {
                                                                        let plane = pooledSize / outChannels
                                                                        for o in 0..<outChannels {
                                                                            biasTotals[o] += Double(
                                                                                rectifiedSum(
                                                                                    gp.baseAddress! + offset + o
                                                                                        * plane,
                                                                                    maximum: yp.baseAddress! + offset
                                                                                        + o * plane,
                                                                                    count: plane))
                                                                        }
                                                                    }
                                                                    if needs.weight && padded {
                                                                        // dW += g * patchesᵀ, the patches read in place.
                                                                        geometry.pad(
                                                                            xp.baseAddress! + image,
                                                                            into: pip.baseAddress!)
                                                                        geometry.accumulatePaddedWeightGradient(
                                                                            outputs: outChannels,
                                                                            gradient: gn,
                                                                            padded: pip.baseAddress!,
                                                                            offsets: offsets.baseAddress!,
                                                                            into: dwp.baseAddress!)
                                                                    } else if needs.weight {
                                                                        geometry.im2col(
                                                                            xp.baseAddress! + image,
                                                                            into: col.baseAddress!)
                                                                        GEMM.multiply(
                                                                            transposeB: true, m: outChannels, n: patch,
                                                                            k: spatial, a: gn, lda: spatial,
                                                                            b: col.baseAddress!, ldb: spatial, beta: 1,
                                                                            c: dwp.baseAddress!, ldc: patch)
                                                                    }
                                                                    guard needs.input else { continue }
                                                                    if padded {
                                                                        GEMM.multiply(
                                                                            transposeA: true, m: patch, n: positions,
                                                                            k: outChannels, a: wp.baseAddress!,
                                                                            lda: patch,
                                                                            b: gn, ldb: positions,
                                                                            c: col.baseAddress!, ldc: positions,
                                                                            packedA: packedWeight)
                                                                        pgp.update(repeating: 0)
                                                                        geometry.addPaddedColumns(
                                                                            col.baseAddress!, offsets: offsets,
                                                                            into: pgp.baseAddress!)
                                                                        geometry.unpad(
                                                                            pgp.baseAddress!,
                                                                            into: dxp.baseAddress! + image)
                                                                    } else {
                                                                        GEMM.multiply(
                                                                            transposeA: true, m: patch, n: spatial,
                                                                            k: outChannels, a: wp.baseAddress!,
                                                                            lda: patch,
                                                                            b: gn, ldb: spatial, c: col.baseAddress!,
                                                                            ldc: spatial, packedA: packedWeight)
                                                                        geometry.col2im(
                                                                            col.baseAddress!,
                                                                            addingInto: dxp.baseAddress! + image)
                                                                    }
                                                                }
                                                            }
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            var grads: [Tensor?] = [
                needs.input ? Tensor(shape: x.shape, scalars: dx) : nil,
                needs.weight ? Tensor(shape: w.shape, scalars: dw) : nil,
            ]
            if biasValues != nil {
                grads.append(needs.bias ? Tensor(shape: [outChannels], scalars: biasTotals.map(Float.init)) : nil)
            }
            return grads
        }
    }
}

/// The gradient of one image's convolution output from its pooled gradient: each window's
/// gradient goes to its recorded maximum when the pooled (rectified) value is positive, and
/// every other cell gets 0. Output rows are `rowLength` apart (>= `width`); the cells past
/// `width` are left at zero. Row pairs are written top row first, then bottom row, eight
/// windows at a time; lanes past a row's last window carry zeros, and a store that runs into
/// the next row is overwritten by the stores after it. The last pair goes window by window.
private func expandWindowGradients(
    _ g: UnsafePointer<Float>, maximum y: UnsafePointer<Float>, windows: UnsafePointer<Float>,
    pairs: Int, width: Int, rowLength w: Int, into d: UnsafeMutablePointer<Float>
) {
    let ow = width / 2
    let lanes = SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7)
    for pair in 0..<pairs {
        let (corner, o) = (pair * 2 * w, pair * ow)
        if pair == pairs - 1 {
            for ox in 0..<ow {
                let gradient = y[o + ox] > 0 ? g[o + ox] : 0
                let index = windows[o + ox]
                let start = corner + 2 * ox
                d[start] = index == 0 ? gradient : 0
                d[start + 1] = index == 1 ? gradient : 0
                d[start + w] = index == 2 ? gradient : 0
                d[start + w + 1] = index == 3 ? gradient : 0
            }
            continue
        }
        for row in 0..<2 {
            var ox = 0
            while ox < ow {
                var gradient = UnsafeRawPointer(g + o + ox).loadUnaligned(as: SIMD8<Float>.self)
                let maximum = UnsafeRawPointer(y + o + ox).loadUnaligned(as: SIMD8<Float>.self)
                gradient.replace(with: 0, where: .!(maximum .> 0) .| (lanes .>= Float(ow - ox)))
                let index = UnsafeRawPointer(windows + o + ox).loadUnaligned(as: SIMD8<Float>.self)
                let zero = SIMD8<Float>()
                let (left, right): (Float, Float) = row == 0 ? (0, 1) : (2, 3)
                let cells = interleaved(
                    zero.replacing(with: gradient, where: index .== left),
                    zero.replacing(with: gradient, where: index .== right))
                UnsafeMutableRawPointer(d + corner + row * w + 2 * ox).storeBytes(of: cells, as: SIMD16<Float>.self)
                ox += 8
            }
        }
    }
}

/// The sum of the pooled gradients whose pooled (rectified) value is positive: the bias
/// gradient of one channel, each window's gradient counted once.
private func rectifiedSum(_ g: UnsafePointer<Float>, maximum y: UnsafePointer<Float>, count: Int) -> Float {
    var partial = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
        let gradient = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
        let maximum = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
        partial += SIMD8<Float>().replacing(with: gradient, where: maximum .> 0)
        i += 8
    }
    var total = partial.sum()
    while i < count {
        if y[i] > 0 { total += g[i] }
        i += 1
    }
    return total
}

/// `[even[0], odd[0], even[1], odd[1], ...]`.
@inline(__always)
private func interleaved(_ even: SIMD8<Float>, _ odd: SIMD8<Float>) -> SIMD16<Float> {
    SIMD16(
        even[0], odd[0], even[1], odd[1], even[2], odd[2], even[3], odd[3],
        even[4], odd[4], even[5], odd[5], even[6], odd[6], even[7], odd[7])
}
