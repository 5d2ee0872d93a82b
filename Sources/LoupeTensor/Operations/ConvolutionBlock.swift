import LoupeKernels
import LoupeSupport

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
struct ConvolutionBlock {
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
                            // A product of one depth slice adds its sums onto C once: the bias
                            // can then be added as the pooling reads them (the same sums) instead
                            // of being written out first and read back by the product.
                            let poolingAddsBias = bias != nil && GEMM.sliceDepth(k: patch) >= patch
                            let biasValues = poolingAddsBias ? bias!.scalars : []
                            for n in 0..<batch {
                                // Start from the bias and add the product, as `conv2d` does.
                                if !poolingAddsBias {
                                    bias?.withUnsafeBufferPointer { b in
                                        for o in 0..<outChannels {
                                            (convolved.base + o * positions).update(repeating: b[o], count: positions)
                                        }
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
                                    b: lowered.base, ldb: positions, beta: bias == nil || poolingAddsBias ? 0 : 1,
                                    c: convolved.base,
                                    ldc: positions, packedA: packedWeight,
                                    bRowOffsets: padded ? offsets.baseAddress : nil)
                                biasValues.withUnsafeBufferPointer { b in
                                    MaxPooling.windowPairs(
                                        convolved.base, pairs: pairs, rowLength: rowLength, width: geometry.outputWidth,
                                        rectifying: true, bias: poolingAddsBias ? b.baseAddress! : nil,
                                        pairsPerBias: geometry.outputHeight / 2,
                                        into: out.baseAddress! + n * pooledSize,
                                        windows: recordsWindows ? win.baseAddress! + n * pooledSize : nil)
                                }
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
        // (weight gradient), its gradient, and the weight gradient's working memory.
        let counts = [
            outChannels * positions, patch * positions, padded && needs.weight ? geometry.paddedImageCount : 0,
            padded && needs.input ? geometry.paddedImageCount : 0,
            padded && needs.weight ? geometry.paddedWeightGradientScratchCount(outputs: outChannels) : 0,
        ]
        return ScratchMemory.withZeroedFloats(counts) { scratch in
            backward(
                g, input: x, weight: w, pooled: pooled, windows: windows, hasBias: hasBias,
                outputGradient: Scratch(scratch[0]), columns: Scratch(scratch[1]), paddedImage: Scratch(scratch[2]),
                paddedGradient: Scratch(scratch[3]), weightProduct: Scratch(scratch[4]))
        }
    }

    private func backward(
        _ g: Tensor, input x: Tensor, weight w: Tensor, pooled: Tensor, windows: [Float], hasBias: Bool,
        outputGradient: Scratch, columns: Scratch, paddedImage: Scratch, paddedGradient: Scratch,
        weightProduct: Scratch
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
                                            MaxPooling.recordedWindowGradients(
                                                gn, maximum: yn, windows: win.baseAddress! + n * pooledSize,
                                                pairs: pairs, width: geometry.outputWidth, rowLength: rowLength,
                                                into: outputGradient.base)
                                            if needs.bias {
                                                for o in 0..<outChannels {
                                                    biasTotals[o] += Double(
                                                        MaxPooling.rectifiedSum(
                                                            gn + o * plane, maximum: yn + o * plane, count: plane))
                                                }
                                            }
                                            if needs.weight && padded {
                                                // dW += g * patchesᵀ, the patches read in place.
                                                geometry.pad(image, into: paddedImage.base)
                                                geometry.accumulatePaddedWeightGradient(
                                                    outputs: outChannels, gradient: outputGradient.base,
                                                    padded: paddedImage.base, offsets: offsets.baseAddress!,
                                                    into: dw.baseAddress!, scratch: weightProduct.base)
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
