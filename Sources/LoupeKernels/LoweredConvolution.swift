import LoupeSupport

/// The three passes of a 2-D convolution (`conv2d`) over a batch of CHW images on the
/// lowering without im2col (`ConvolutionGeometry.paddedRowOffsets`): the products read the
/// kernel taps from a zero-padded, phase-split copy of the image, for any stride and kernel
/// size. The forward pass covers several images per product (their output positions gathered
/// panel by panel as B is packed), the gradients one image at a time.
///
/// - The forward product `W * patches` is bit for bit the im2col product (the same values in
///   the same order), and so is the input gradient when it is lowered (`Wᵀ * g`, added back
///   onto the image tap by tap, as col2im does).
/// - The input gradient of a stride-1 convolution that does not widen (at least as many
///   input channels as outputs, a square kernel, padding below its size) is instead the
///   convolution of the zero-padded output gradient with the flipped, transposed weights: one
///   product as deep as `outChannels * kernel²`, and no lowered gradient to add back; by
///   Winograd's form where that convolution is wide and `WinogradConvolution.trains(on:)` the
///   path.
/// - The weight gradient sums over the lowered positions (zero past each row's outputs), or
///   is the adjoint of Winograd's form where `WinogradConvolution.trains(on:)` the path and
///   `sumsWeightGradient(for:outChannels:)` the layer.
///
/// The last two round differently from the im2col formulation; each is deterministic.
package struct LoweredConvolution: Sendable {
    package let geometry: ConvolutionGeometry
    package let outChannels: Int
    package let path: KernelPath
    /// About how many output positions (of as many images as that takes) one forward product
    /// covers: the weights are read once per product.
    package let columnsPerProduct: Int
    let offsets: [Int]

    package init(
        geometry: ConvolutionGeometry, outChannels: Int, path: KernelPath = .active,
        columnsPerProduct: Int = LoweredConvolution.defaultColumnsPerProduct
    ) {
        (self.geometry, self.outChannels, self.path) = (geometry, outChannels, path)
        self.columnsPerProduct = columnsPerProduct
        offsets = geometry.paddedRowOffsets()
    }

    var positions: Int { geometry.paddedPositions }
    var patch: Int { geometry.patchSize }
    var imageSize: Int { geometry.channels * geometry.height * geometry.width }
    var outputSize: Int { outChannels * geometry.outputHeight * geometry.outputWidth }

    /// `y = W * x + bias` for `batch` images: `x` `[batch, C, H, W]`, `weights`
    /// `[outChannels, patchSize]` (`packedWeights` the same packed as a left operand for
    /// `path`, or nil), `y` `[batch, outChannels, outputHeight, outputWidth]`.
    ///
    /// Unless the layer is narrow for its image size (`gathersOutputs`), images go through the
    /// product `imagesPerProduct` at a time: their padded copies side by
    /// side, the columns of B their output positions only (`GEMM`'s column offsets), so that
    /// the weights are read once per group rather than per image. Each output is the same sum
    /// in the same order whatever the grouping.
    ///
    /// `affine`, when given, maps each image's outputs right after they are written (an
    /// inference-mode batch norm, and ReLU, after the convolution): the values the separate
    /// map would give, without a second pass over the batch.
    package func forward(
        _ x: UnsafePointer<Float>, batch: Int, weights: UnsafePointer<Float>, packedWeights: PackedOperand?,
        bias: UnsafePointer<Float>?, affine: ChannelAffine? = nil, into y: UnsafeMutablePointer<Float>
    ) {
        guard gathersOutputs else {
            forwardInPlace(
                x, batch: batch, weights: weights, packedWeights: packedWeights, bias: bias, affine: affine, into: y)
            return
        }
        let group = imagesPerProduct(batch: batch)
        let (spatial, paddedCount) = (geometry.outputHeight * geometry.outputWidth, geometry.paddedImageCount)
        // One image at a time, the product is the output itself.
        let counts = [group * paddedCount, group == 1 ? 0 : outChannels * group * spatial]
        ScratchMemory.withZeroedFloats(counts) { scratch in
            let lowered = scratch[0].baseAddress!
            let columnOffsets = outputColumnOffsets(images: group)
            offsets.withUnsafeBufferPointer { offsets in
                columnOffsets.withUnsafeBufferPointer { columnOffsets in
                    var first = 0
                    while first < batch {
                        let images = min(group, batch - first)
                        let columns = images * spatial
                        let product = group == 1 ? y + first * outputSize : scratch[1].baseAddress!
                        // Start from the bias and add the product, as the im2col product does.
                        if let bias {
                            for o in 0..<outChannels {
                                (product + o * columns).update(repeating: bias[o], count: columns)
                            }
                        }
                        for image in 0..<images {
                            geometry.pad(x + (first + image) * imageSize, into: lowered + image * paddedCount)
                        }
                        GEMM.multiply(
                            m: outChannels, n: columns, k: patch, a: weights, lda: patch, b: lowered, ldb: 0,
                            beta: bias == nil ? 0 : 1, c: product, ldc: columns, path: path, packedA: packedWeights,
                            bRowOffsets: offsets.baseAddress, bColumnOffsets: columnOffsets.baseAddress)
                        for image in 0..<images {
                            let output = y + (first + image) * outputSize
                            if let affine {
                                affine.apply(
                                    product + image * spatial, rows: 1, width: spatial, rowStride: spatial,
                                    planeStride: columns, index: first + image, channels: outChannels, into: output)
                            } else if group > 1 {
                                for o in 0..<outChannels {
                                    (output + o * spatial).update(
                                        from: product + o * columns + image * spatial, count: spatial)
                                }
                            }
                        }
                        first += images
                    }
                }
            }
        }
    }

    /// Whether `forward` gathers the output positions of several images rather than reading
    /// each image's padded positions in place: when the positions that are not outputs (in
    /// 16-wide panels) would cost the product more than gathering, taken as four rows of the
    /// product per gathered value. Narrow layers on wide images read in place.
    var gathersOutputs: Bool {
        let spatial = geometry.outputHeight * geometry.outputWidth
        return outChannels * ((positions + 15) / 16 * 16 - spatial) > 4 * spatial
    }

    /// `forward` image by image, B read in place from the padded image at every padded
    /// position (`paddedPositions`), the outputs then compacted (and mapped, in the same pass).
    private func forwardInPlace(
        _ x: UnsafePointer<Float>, batch: Int, weights: UnsafePointer<Float>, packedWeights: PackedOperand?,
        bias: UnsafePointer<Float>?, affine: ChannelAffine?, into y: UnsafeMutablePointer<Float>
    ) {
        ScratchMemory.withZeroedFloats([geometry.paddedImageCount, outChannels * positions]) { scratch in
            let (lowered, product) = (scratch[0].baseAddress!, scratch[1].baseAddress!)
            offsets.withUnsafeBufferPointer { offsets in
                for n in 0..<batch {
                    // Start from the bias and add the product, as the im2col product does.
                    if let bias {
                        for o in 0..<outChannels {
                            (product + o * positions).update(repeating: bias[o], count: positions)
                        }
                    }
                    geometry.pad(x + n * imageSize, into: lowered)
                    GEMM.multiply(
                        m: outChannels, n: positions, k: patch, a: weights, lda: patch, b: lowered, ldb: 0,
                        beta: bias == nil ? 0 : 1, c: product, ldc: positions, path: path, packedA: packedWeights,
                        bRowOffsets: offsets.baseAddress)
                    if let affine {
                        affine.apply(
                            product, rows: geometry.outputHeight, width: geometry.outputWidth,
                            rowStride: geometry.phaseWidth, planeStride: positions, index: n, channels: outChannels,
                            into: y + n * outputSize)
                    } else {
                        geometry.compactOutputs(product, rows: outChannels, into: y + n * outputSize)
                    }
                }
            }
        }
    }

    /// Images per forward product: enough for about `columnsPerProduct` output positions.
    func imagesPerProduct(batch: Int) -> Int {
        let spatial = geometry.outputHeight * geometry.outputWidth
        return max(1, min(batch, (columnsPerProduct + spatial - 1) / spatial))
    }

    /// 1,024 positions: with a 256-deep slice, the packed B block (1 MB) about fills the L2
    /// of the CPUs it was measured on, and a 512 x 4,608 weight matrix is read once per
    /// 1,024 positions instead of once per 4 x 4 image.
    package static let defaultColumnsPerProduct = 1024

    /// Where output position `(image, y, x)` of `images` padded images side by side reads tap
    /// `(0, 0)` of channel 0 (the row offsets add the tap and channel).
    func outputColumnOffsets(images: Int) -> [Int] {
        var columns: [Int] = []
        columns.reserveCapacity(images * geometry.outputHeight * geometry.outputWidth)
        for image in 0..<images {
            for y in 0..<geometry.outputHeight {
                for x in 0..<geometry.outputWidth {
                    columns.append(image * geometry.paddedImageCount + y * geometry.phaseWidth + x)
                }
            }
        }
        return columns
    }

    /// `dW += Σ_n g_n * patches(x_n)ᵀ`: `g` `[batch, outChannels, outputHeight, outputWidth]`,
    /// `x` the forward input, `weightGradient` `[outChannels, patchSize]`.
    package func accumulateWeightGradient(
        _ g: UnsafePointer<Float>, input x: UnsafePointer<Float>, batch: Int,
        into weightGradient: UnsafeMutablePointer<Float>
    ) {
        if WinogradConvolution.trains(on: path)
            && WinogradConvolution.sumsWeightGradient(for: geometry, outChannels: outChannels)
        {
            WinogradConvolution(geometry: geometry, outChannels: outChannels, path: path).accumulateWeightGradient(
                g, input: x, batch: batch, into: weightGradient)
            return
        }
        let counts = [
            geometry.paddedImageCount, outChannels * positions,
            geometry.paddedWeightGradientScratchCount(outputs: outChannels, path: path),
        ]
        ScratchMemory.withZeroedFloats(counts) { scratch in
            let (lowered, gradient) = (scratch[0].baseAddress!, scratch[1].baseAddress!)
            offsets.withUnsafeBufferPointer { offsets in
                for n in 0..<batch {
                    geometry.pad(x + n * imageSize, into: lowered)
                    geometry.expandOutputs(g + n * outputSize, rows: outChannels, into: gradient)
                    geometry.accumulatePaddedWeightGradient(
                        outputs: outChannels, gradient: gradient, padded: lowered, offsets: offsets.baseAddress!,
                        into: weightGradient, path: path, scratch: scratch[2].baseAddress)
                }
            }
        }
    }

    /// Whether `inputGradient` convolves the output gradient with the flipped weights rather
    /// than adding the lowered gradient back: stride 1, a square kernel, padding below its
    /// size, and no more outputs than input channels (whose count is the rows of that product;
    /// a widening first layer keeps the lowered gradient, as deep as its outputs).
    package var transposesInputGradient: Bool {
        geometry.stride == 1 && geometry.kernelHeight == geometry.kernelWidth
            && geometry.padding < geometry.kernelHeight && geometry.channels >= outChannels
    }

    /// The geometry of the input gradient as a convolution of the output gradient (stride 1,
    /// padding `kernel - 1 - padding`): its output is the input's size.
    var transposedGeometry: ConvolutionGeometry {
        ConvolutionGeometry(
            channels: outChannels, height: geometry.outputHeight, width: geometry.outputWidth,
            kernelHeight: geometry.kernelHeight, kernelWidth: geometry.kernelWidth, stride: 1,
            padding: geometry.kernelHeight - 1 - geometry.padding)
    }

    /// `[C, outChannels, KH, KW]` weights of the transposed convolution: `W[o, c, KH-1-ky, KW-1-kx]`.
    func flippedTransposedWeights(_ weights: UnsafePointer<Float>) -> [Float] {
        let (kh, kw, channels) = (geometry.kernelHeight, geometry.kernelWidth, geometry.channels)
        return [Float](unsafeUninitializedCapacity: channels * outChannels * kh * kw) {
            buffer, count in
            for c in 0..<channels {
                for o in 0..<outChannels {
                    for ky in 0..<kh {
                        for kx in 0..<kw {
                            buffer[((c * outChannels + o) * kh + ky) * kw + kx] =
                                weights[((o * channels + c) * kh + kh - 1 - ky) * kw + kw - 1 - kx]
                        }
                    }
                }
            }
            count = channels * outChannels * kh * kw
        }
    }

    /// `dx = ∂(W * x)/∂x ᵀ g` for `batch` images (written, not added): `g`
    /// `[batch, outChannels, outputHeight, outputWidth]`, `dx` `[batch, C, H, W]`.
    /// `packedTransposedWeights`, when given, is `Wᵀ` (`patchSize x outChannels`) packed as a
    /// left operand for `path`; the transposed formulation packs its own weights, or takes
    /// their Winograd form from `weightForms`, the cache of the weights' forms, when given.
    package func inputGradient(
        _ g: UnsafePointer<Float>, batch: Int, weights: UnsafePointer<Float>,
        packedTransposedWeights: PackedOperand?, weightForms: PackedOperandCache? = nil,
        into dx: UnsafeMutablePointer<Float>
    ) {
        if transposesInputGradient {
            transposedInputGradient(g, batch: batch, weights: weights, weightForms: weightForms, into: dx)
            return
        }
        let counts = [outChannels * positions, patch * positions, geometry.paddedImageCount]
        ScratchMemory.withZeroedFloats(counts) { scratch in
            let (gradient, columns, lowered) = (
                scratch[0].baseAddress!, scratch[1].baseAddress!, scratch[2].baseAddress!
            )
            offsets.withUnsafeBufferPointer { offsets in
                for n in 0..<batch {
                    geometry.expandOutputs(g + n * outputSize, rows: outChannels, into: gradient)
                    GEMM.multiply(
                        transposeA: true, m: patch, n: positions, k: outChannels, a: weights, lda: patch,
                        b: gradient, ldb: positions, c: columns, ldc: positions, path: path,
                        packedA: packedTransposedWeights)
                    scratch[2].update(repeating: 0)
                    geometry.addPaddedColumns(columns, offsets: offsets, into: lowered)
                    geometry.unpad(lowered, into: dx + n * imageSize)
                }
            }
        }
    }

    private func transposedInputGradient(
        _ g: UnsafePointer<Float>, batch: Int, weights: UnsafePointer<Float>, weightForms: PackedOperandCache?,
        into dx: UnsafeMutablePointer<Float>
    ) {
        if WinogradConvolution.trains(on: path)
            && WinogradConvolution.isFaster(for: transposedGeometry, outChannels: geometry.channels)
        {
            let winograd = WinogradConvolution(geometry: transposedGeometry, outChannels: geometry.channels, path: path)
            let transformed =
                weightForms?.winogradWeights(
                    outChannels: geometry.channels, channels: outChannels, transposedAndFlipped: true, source: weights,
                    path: path)
                ?? WinogradWeights(
                    weights: weights, outChannels: geometry.channels, channels: outChannels,
                    transposedAndFlipped: true, path: path)
            winograd.forward(g, batch: batch, weights: transformed, bias: nil, into: dx)
            return
        }
        let flipped = flippedTransposedWeights(weights)
        let transposed = LoweredConvolution(geometry: transposedGeometry, outChannels: geometry.channels, path: path)
        let packed = flipped.withUnsafeBufferPointer {
            PackedOperand(
                side: .left, rows: geometry.channels, columns: transposed.patch, source: $0.baseAddress!,
                rowStride: transposed.patch, isTransposed: false, path: path)
        }
        flipped.withUnsafeBufferPointer {
            transposed.forward(g, batch: batch, weights: $0.baseAddress!, packedWeights: packed, bias: nil, into: dx)
        }
    }
}
