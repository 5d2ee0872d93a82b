import LoupeKernels
import LoupeSupport

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
        let geometry = ConvolutionGeometry(input: shape, weight: weight.shape, stride: stride, padding: padding)
        let (oh, ow) = (geometry.outputHeight, geometry.outputWidth)
        guard ow >= 8, oh % 2 == 0, ow % 2 == 0 else {
            return conv2d(weight: weight, bias: bias, stride: stride, padding: padding).reluMaxPool2d(kernel: 2)
        }
        let block = ConvolutionBlock(
            geometry: geometry, batch: shape[0], outChannels: weight.shape[0],
            needs: (requiresGradient, weight.requiresGradient, bias?.requiresGradient ?? false))
        let (x, w) = (value, weight.value)
        let (result, windows) = block.forward(x, weight: w, bias: bias?.value)
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        let hasBias = bias != nil
        return tape.record(result, kind: .conv2dReLUMaxPool2d, inputs: inputs, keeping: windows) { g in
            block.backward(g, input: x, weight: w, pooled: result, windows: windows, hasBias: hasBias)
        }
    }
}

extension ConvolutionGeometry {
    /// The geometry of a convolution of `input` (`[N, C, H, W]`) with `weight` (`[O, C, KH, KW]`).
    init(input: [Int], weight: [Int], stride: Int, padding: Int) {
        precondition(
            input.count == 4 && weight.count == 4 && input[1] == weight[1],
            "conv2d: input \(input) does not fit weight \(weight)")
        self.init(
            channels: input[1], height: input[2], width: input[3], kernelHeight: weight[2], kernelWidth: weight[3],
            stride: stride, padding: padding)
        precondition(outputHeight > 0 && outputWidth > 0, "conv2d: kernel larger than padded input")
    }
}

/// The shapes and passes of one fused convolution + ReLU + 2 x 2 max pooling operation.
private struct ConvolutionBlock {
    let geometry: ConvolutionGeometry
    let batch: Int
    let outChannels: Int
    /// Which gradients the backward pass computes.
    let needs: (input: Bool, weight: Bool, bias: Bool)
    /// Stride 1: the product reads the zero-padded image through `rowOffsets` and output rows
    /// are `paddedWidth` apart; otherwise patches are copied out (im2col) and rows are compact.
    let padded: Bool
    let rowLength: Int
    let positions: Int
    let rowOffsets: [Int]

    init(geometry: ConvolutionGeometry, batch: Int, outChannels: Int, needs: (Bool, Bool, Bool)) {
        (self.geometry, self.batch, self.outChannels) = (geometry, batch, outChannels)
        self.needs = (needs.0, needs.1, needs.2)
        padded = geometry.lowersPadded
        rowLength = padded ? geometry.paddedWidth : geometry.outputWidth
        positions = padded ? geometry.paddedPositions : geometry.outputHeight * geometry.outputWidth
        rowOffsets = padded ? geometry.paddedRowOffsets() : []
    }

    var spatial: Int { geometry.outputHeight * geometry.outputWidth }
    var patch: Int { geometry.patchSize }
    var imageSize: Int { geometry.channels * geometry.height * geometry.width }
    var pooledSize: Int { outChannels * spatial / 4 }
    var pairs: Int { outChannels * geometry.outputHeight / 2 }
    var recordsWindows: Bool { needs.input || needs.weight || needs.bias }

    /// The pooled output and, when a gradient will be asked for, the index (0-3, row-major)
    /// of each window's first maximum.
    func forward(_ x: Tensor, weight w: Tensor, bias: Tensor?) -> (Tensor, [Float]) {
        ScratchMemory.withZeroedFloats([padded ? geometry.paddedImageCount : patch * spatial, outChannels * positions])
        {
            forward(x, weight: w, bias: bias, lowered: Scratch($0[0]), convolved: Scratch($0[1]))
        }
    }

    private func forward(
        _ x: Tensor, weight w: Tensor, bias: Tensor?, lowered: Scratch, convolved: Scratch
    ) -> (Tensor, [Float]) {
        // Every window's index is written.
        var windows = recordsWindows ? TensorStoragePool.shared.storage(count: batch * pooledSize) : []
        let shape = [batch, outChannels, geometry.outputHeight / 2, geometry.outputWidth / 2]
        let result = Tensor(shape: shape) { out in
            x.withUnsafeBufferPointer { xp in
                w.withUnsafeBufferPointer { wp in
                    windows.withUnsafeMutableBufferPointer { win in
                        rowOffsets.withUnsafeBufferPointer { offsets in
                            let packedWeight = w.packedOperands?.operand(
                                side: .left, rows: outChannels, columns: patch, source: wp.baseAddress!,
                                rowStride: patch, isTransposed: false)
                            for n in 0..<batch {
                                // Start from the bias and add the product, as `conv2d` does.
                                bias?.withUnsafeBufferPointer { b in
                                    for o in 0..<outChannels {
                                        (convolved.base + o * positions).update(repeating: b[o], count: positions)
                                    }
                                }
                                let image = xp.baseAddress! + n * imageSize
                                if padded {
                                    geometry.pad(image, into: lowered.base)
                                } else {
                                    geometry.im2col(image, into: lowered.base)
                                }
                                GEMM.multiply(
                                    m: outChannels, n: positions, k: patch, a: wp.baseAddress!, lda: patch,
                                    b: lowered.base, ldb: positions, beta: bias == nil ? 0 : 1, c: convolved.base,
                                    ldc: positions, packedA: packedWeight,
                                    bRowOffsets: padded ? offsets.baseAddress : nil)
                                poolWindowPairs(
                                    convolved.base, pairs: pairs, rowLength: rowLength, width: geometry.outputWidth,
                                    rectifying: true, into: out.baseAddress! + n * pooledSize,
                                    windows: recordsWindows ? win.baseAddress! + n * pooledSize : nil)
                            }
                        }
                    }
                }
            }
        }
        return (result, windows)
    }

    /// Input, weight and (when `hasBias`) bias gradients from the pooled output's gradient `g`.
    func backward(
        _ g: Tensor, input x: Tensor, weight w: Tensor, pooled: Tensor, windows: [Float], hasBias: Bool
    ) -> [Tensor?] {
        // The convolution output's gradient (rows `rowLength` apart, zero past each row's
        // outputs), lowered input gradients, and in the padded lowering the padded image
        // (weight gradient) and its gradient.
        let counts = [
            outChannels * positions, patch * positions, padded && needs.weight ? geometry.paddedImageCount : 0,
            padded && needs.input ? geometry.paddedImageCount : 0,
        ]
        return ScratchMemory.withZeroedFloats(counts) { scratch in
            backward(
                g, input: x, weight: w, pooled: pooled, windows: windows, hasBias: hasBias,
                outputGradient: Scratch(scratch[0]), columns: Scratch(scratch[1]), paddedImage: Scratch(scratch[2]),
                paddedGradient: Scratch(scratch[3]))
        }
    }

    private func backward(
        _ g: Tensor, input x: Tensor, weight w: Tensor, pooled: Tensor, windows: [Float], hasBias: Bool,
        outputGradient: Scratch, columns: Scratch, paddedImage: Scratch, paddedGradient: Scratch
    ) -> [Tensor?] {
        var inputGradient = Tensor(zeros: needs.input ? x.shape : [0])
        var weightGradient = Tensor(zeros: needs.weight ? w.shape : [0])
        var biasTotals = [Double](repeating: 0, count: needs.bias ? outChannels : 0)
        let packedTransposedWeight = w.withUnsafeBufferPointer { wp in
            needs.input
                ? w.packedOperands?.operand(
                    side: .left, rows: patch, columns: outChannels, source: wp.baseAddress!, rowStride: patch,
                    isTransposed: true) : nil
        }
        let plane = pooledSize / outChannels
        inputGradient.withUnsafeMutableBufferPointer { dx in
            weightGradient.withUnsafeMutableBufferPointer { dw in
                x.withUnsafeBufferPointer { xp in
                    w.withUnsafeBufferPointer { wp in
                        g.withUnsafeBufferPointer { gp in
                            pooled.withUnsafeBufferPointer { yp in
                                windows.withUnsafeBufferPointer { win in
                                    rowOffsets.withUnsafeBufferPointer { offsets in
                                        for n in 0..<batch {
                                            let (gn, yn) = (
                                                gp.baseAddress! + n * pooledSize, yp.baseAddress! + n * pooledSize
                                            )
                                            let image = xp.baseAddress! + n * imageSize
                                            expandWindowGradients(
                                                gn, maximum: yn, windows: win.baseAddress! + n * pooledSize,
                                                pairs: pairs, width: geometry.outputWidth, rowLength: rowLength,
                                                into: outputGradient.base)
                                            if needs.bias {
                                                for o in 0..<outChannels {
                                                    biasTotals[o] += Double(
                                                        rectifiedSum(
                                                            gn + o * plane, maximum: yn + o * plane, count: plane))
                                                }
                                            }
                                            if needs.weight && padded {
                                                // dW += g * patchesᵀ, the patches read in place.
                                                geometry.pad(image, into: paddedImage.base)
                                                geometry.accumulatePaddedWeightGradient(
                                                    outputs: outChannels, gradient: outputGradient.base,
                                                    padded: paddedImage.base, offsets: offsets.baseAddress!,
                                                    into: dw.baseAddress!)
                                            } else if needs.weight {
                                                geometry.im2col(image, into: columns.base)
                                                GEMM.multiply(
                                                    transposeB: true, m: outChannels, n: patch, k: spatial,
                                                    a: outputGradient.base, lda: spatial, b: columns.base, ldb: spatial,
                                                    beta: 1, c: dw.baseAddress!, ldc: patch)
                                            }
                                            guard needs.input else { continue }
                                            // Lowered input gradient Wᵀ g, added back onto the image.
                                            GEMM.multiply(
                                                transposeA: true, m: patch, n: positions, k: outChannels,
                                                a: wp.baseAddress!, lda: patch, b: outputGradient.base, ldb: positions,
                                                c: columns.base, ldc: positions, packedA: packedTransposedWeight)
                                            let target = dx.baseAddress! + n * imageSize
                                            if padded {
                                                paddedGradient.clear()
                                                geometry.addPaddedColumns(
                                                    columns.base, offsets: offsets, into: paddedGradient.base)
                                                geometry.unpad(paddedGradient.base, into: target)
                                            } else {
                                                geometry.col2im(columns.base, addingInto: target)
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
        var gradients: [Tensor?] = [needs.input ? inputGradient : nil, needs.weight ? weightGradient : nil]
        if hasBias {
            gradients.append(needs.bias ? Tensor(shape: [outChannels], scalars: biasTotals.map(Float.init)) : nil)
        }
        return gradients
    }
}

/// A zeroed scratch buffer of one operation's per-image passes (`ScratchMemory`).
private struct Scratch {
    let base: UnsafeMutablePointer<Float>
    let count: Int

    init(_ buffer: UnsafeMutableBufferPointer<Float>) {
        (base, count) = (buffer.baseAddress!, buffer.count)
    }

    func clear() { base.update(repeating: 0, count: count) }
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
