import LoupeKernelCore
import LoupeKernelsAVX2
import LoupeKernelsAVX512

/// Image-to-column lowering for 2-D convolution of one image in CHW layout.
///
/// `im2col` writes a `[channels * kernelHeight * kernelWidth, outputHeight * outputWidth]`
/// matrix whose row `(c, ky, kx)` holds the input pixels that kernel tap meets at every output
/// position (zero outside the image); a convolution is then one matrix product with the
/// `[outputChannels, channels * kernelHeight * kernelWidth]` weight matrix. `col2im` is its
/// adjoint: it adds each column entry back onto the pixel it came from.
package struct ConvolutionGeometry: Hashable, Sendable {
    package var channels: Int
    package var height: Int
    package var width: Int
    package var kernelHeight: Int
    package var kernelWidth: Int
    package var stride: Int
    package var padding: Int

    package init(
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

    package var outputHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
    package var outputWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
    /// Rows of the lowered matrix: one per (channel, kernel row, kernel column).
    package var patchSize: Int { channels * kernelHeight * kernelWidth }

    /// Lowers `image` (`channels * height * width` floats) into `columns`
    /// (`patchSize * outputHeight * outputWidth` floats).
    package func im2col(_ image: UnsafePointer<Float>, into columns: UnsafeMutablePointer<Float>) {
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
    package func col2im(_ columns: UnsafePointer<Float>, addingInto image: UnsafeMutablePointer<Float>) {
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

/// Lowering without im2col.
///
/// The image is copied into a zero-bordered buffer split into `stride * stride` phases: phase
/// `(a, b)` of a channel holds the padded pixels `(a + stride * y, b + stride * x)` in rows
/// `phaseWidth` long, so that kernel tap `(ky, kx)` reads phase `(ky % stride, kx % stride)`
/// at stride 1, shifted by `(ky / stride, kx / stride)`. Output positions are then numbered
/// `y * phaseWidth + x` (the positions past `outputWidth` in each row are not outputs), and
/// row `(c, ky, kx)` of the lowered matrix is the buffer itself, shifted by the start of its
/// channel's phase plus `(ky / stride) * phaseWidth + kx / stride`: a matrix product reads it
/// through `paddedRowOffsets` instead of a copy, and the adjoint adds each row of a lowered
/// gradient back onto the buffer sixteen values at a time. With stride 1 there is one phase,
/// the zero-padded image itself, with rows `paddedWidth` long.
extension ConvolutionGeometry {
    /// Whether `ConvolutionBlock` lowers in place (stride 1: one phase, output rows
    /// `paddedWidth` apart, as its pooling streams them).
    package var lowersPadded: Bool { stride == 1 }
    /// Row length of the padded image.
    package var paddedWidth: Int { width + 2 * padding }
    /// Row length of each phase: `paddedWidth` divided by the stride, rounded up.
    package var phaseWidth: Int { (width + 2 * padding + stride - 1) / stride }
    /// Rows of each phase.
    package var phaseHeight: Int { (height + 2 * padding + stride - 1) / stride }
    /// Phases per channel: `stride * stride`.
    package var phases: Int { stride * stride }
    /// Floats per phase of a channel (the padded plane when the stride is 1).
    package var paddedPlane: Int { phaseHeight * phaseWidth }
    /// Floats of a lowered image buffer, with room for the last row's overrun.
    package var paddedImageCount: Int { channels * phases * paddedPlane + (kernelWidth - 1) / stride }
    /// Output positions in the lowered numbering: `outputHeight * phaseWidth`.
    package var paddedPositions: Int { outputHeight * phaseWidth }

    /// Where each row `(c, ky, kx)` of the lowered matrix starts in the lowered image.
    package func paddedRowOffsets() -> [Int] {
        var offsets: [Int] = []
        offsets.reserveCapacity(patchSize)
        for c in 0..<channels {
            for ky in 0..<kernelHeight {
                for kx in 0..<kernelWidth {
                    let phase = (ky % stride) * stride + kx % stride
                    offsets.append(
                        (c * phases + phase) * paddedPlane + ky / stride * phaseWidth + kx / stride)
                }
            }
        }
        return offsets
    }

    /// Copies `image` into the phases of `padded` that a kernel tap reads (all of them when
    /// the kernel is at least as large as the stride), whose border must already be zero.
    package func pad(_ image: UnsafePointer<Float>, into padded: UnsafeMutablePointer<Float>) {
        if stride == 1 {
            for c in 0..<channels {
                for y in 0..<height {
                    copyFloats(
                        from: image + (c * height + y) * width,
                        to: padded + c * paddedPlane + (y + padding) * paddedWidth + padding, count: width)
                }
            }
            return
        }
        if stride == 2 && kernelHeight >= 2 && kernelWidth >= 2 {
            // Every phase read: each image row is split into its even and odd padded columns,
            // sixteen pixels at a time.
            forEachRowOfStride2 { row, even, odd in
                let line = image + row
                var x = 0
                while x + 16 <= width {
                    let v = UnsafeRawPointer(line + x).loadUnaligned(as: SIMD16<Float>.self)
                    let (first, second) = Self.stride2Targets(even, odd, x + padding)
                    UnsafeMutableRawPointer(padded + first).storeBytes(of: v.evenHalf, as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(padded + second).storeBytes(of: v.oddHalf, as: SIMD8<Float>.self)
                    x += 16
                }
                while x < width {
                    let px = x + padding
                    padded[(px % 2 == 0 ? even : odd) + px / 2] = line[x]
                    x += 1
                }
            }
            return
        }
        let imageCount = channels * height * width
        forEachPhaseRun { source, target, count in
            // Within the buffers (the runs come from the checked geometry): unchecked steps.
            let (from, to) = (image + source, padded + target)
            var i = 0
            if stride == 2 {
                // Every other pixel, eight at a time while sixteen can be read within the image.
                while i + 8 <= count && source + 2 * i + 16 <= imageCount {
                    let v = UnsafeRawPointer(from + 2 * i).loadUnaligned(as: SIMD16<Float>.self)
                    UnsafeMutableRawPointer(to + i).storeBytes(of: v.evenHalf, as: SIMD8<Float>.self)
                    i += 8
                }
            }
            while i < count {
                to[i] = from[i &* stride]
                i += 1
            }
        }
    }

    /// Copies the pixels of `padded` that lie in the image into `image` (the adjoint of `pad`
    /// on a buffer whose unread phases are zero).
    package func unpad(_ padded: UnsafePointer<Float>, into image: UnsafeMutablePointer<Float>) {
        if stride == 1 {
            for c in 0..<channels {
                for y in 0..<height {
                    copyFloats(
                        from: padded + c * paddedPlane + (y + padding) * paddedWidth + padding,
                        to: image + (c * height + y) * width, count: width)
                }
            }
            return
        }
        if stride == 2 {
            forEachRowOfStride2 { row, even, odd in
                let line = image + row
                var x = 0
                while x + 16 <= width {
                    let (first, second) = Self.stride2Targets(even, odd, x + padding)
                    var v = SIMD16<Float>()
                    v.evenHalf = UnsafeRawPointer(padded + first).loadUnaligned(as: SIMD8<Float>.self)
                    v.oddHalf = UnsafeRawPointer(padded + second).loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(line + x).storeBytes(of: v, as: SIMD16<Float>.self)
                    x += 16
                }
                while x < width {
                    let px = x + padding
                    line[x] = padded[(px % 2 == 0 ? even : odd) + px / 2]
                    x += 1
                }
            }
            return
        }
        forEachPhaseRun(readPhasesOnly: false) { source, target, count in
            let (from, to) = (padded + target, image + source)
            for i in 0..<count { to[i &* stride] = from[i] }
        }
    }

    /// Stride 2: calls `body` with the start of each image row and of the two phase rows
    /// (even and odd padded columns) that hold it.
    @inline(__always)
    func forEachRowOfStride2(
        _ body: (_ line: Int, _ even: Int, _ odd: Int) -> Void
    ) {
        for c in 0..<channels {
            for y in 0..<height {
                let py = y + padding
                let even = (c * phases + py % 2 * 2) * paddedPlane + py / 2 * phaseWidth
                body((c * height + y) * width, even, even + paddedPlane)
            }
        }
    }

    /// Where the even- and odd-indexed of sixteen pixels starting at padded column `column`
    /// go (stride 2, offsets from the phase-row starts `even` and `odd`): the phase of the
    /// column's parity, then the other, at the columns halved.
    @inline(__always)
    static func stride2Targets(_ even: Int, _ odd: Int, _ column: Int) -> (Int, Int) {
        column % 2 == 0 ? (even + column / 2, odd + column / 2) : (odd + column / 2, even + (column + 1) / 2)
    }

    /// Calls `body` for each run of image pixels one phase row holds (stride above 1): the
    /// run starts at `image[source]` and takes every `stride`-th pixel, `count` of them, into
    /// `padded[target...]`. Only the phases a kernel tap reads, unless `readPhasesOnly` is false.
    @inline(__always)
    func forEachPhaseRun(readPhasesOnly: Bool = true, _ body: (_ source: Int, _ target: Int, _ count: Int) -> Void) {
        for c in 0..<channels {
            for a in 0..<stride where !readPhasesOnly || a < kernelHeight {
                for b in 0..<stride where !readPhasesOnly || b < kernelWidth {
                    let plane = (c * phases + a * stride + b) * paddedPlane
                    // Phase columns whose padded column b + stride * x lies in the image.
                    let firstX = max(0, (padding - b + stride - 1) / stride)
                    let endX = min(phaseWidth, (width + padding - b + stride - 1) / stride)
                    guard endX > firstX else { continue }
                    for y in 0..<phaseHeight {
                        let row = a + stride * y - padding
                        guard row >= 0 && row < height else { continue }
                        body(
                            (c * height + row) * width + b + stride * firstX - padding, plane + y * phaseWidth + firstX,
                            endX - firstX)
                    }
                }
            }
        }
    }

    /// Copies `rows` rows of `paddedPositions` values (`lowered`) into `rows` compact planes
    /// of `outputHeight * outputWidth` values, dropping the positions that are not outputs.
    package func compactOutputs(
        _ lowered: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>
    ) {
        let (oh, ow, positions) = (outputHeight, outputWidth, paddedPositions)
        for r in 0..<rows {
            for y in 0..<oh {
                copyFloats(from: lowered + r * positions + y * phaseWidth, to: output + (r * oh + y) * ow, count: ow)
            }
        }
    }

    /// Copies `rows` compact planes of outputs into rows of `paddedPositions` values; the
    /// positions that are not outputs are left as they are (zero in a zeroed buffer).
    package func expandOutputs(
        _ output: UnsafePointer<Float>, rows: Int, into lowered: UnsafeMutablePointer<Float>
    ) {
        let (oh, ow, positions) = (outputHeight, outputWidth, paddedPositions)
        for r in 0..<rows {
            for y in 0..<oh {
                copyFloats(from: output + (r * oh + y) * ow, to: lowered + r * positions + y * phaseWidth, count: ow)
            }
        }
    }

    /// Adds each row of `columns` (`patchSize x paddedPositions`, zero at the positions that
    /// are not outputs) onto `padded` at its row's offset, rows in order: the adjoint of the
    /// lowering, up to `unpad`.
    package func addPaddedColumns(
        _ columns: UnsafePointer<Float>, offsets: UnsafeBufferPointer<Int>, into padded: UnsafeMutablePointer<Float>
    ) {
        let count = paddedPositions
        for (row, offset) in offsets.enumerated() {
            let (source, target) = (columns + row * count, padded + offset)
            var q = 0
            while q + 16 <= count {
                let sum =
                    UnsafeRawPointer(target + q).loadUnaligned(as: SIMD16<Float>.self)
                    + UnsafeRawPointer(source + q).loadUnaligned(as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(target + q).storeBytes(of: sum, as: SIMD16<Float>.self)
                q += 16
            }
            while q < count {
                target[q] += source[q]
                q += 1
            }
        }
    }
}

extension ConvolutionGeometry {
    /// Taps below which `accumulatePaddedWeightGradient` computes the weight gradient
    /// directly on every path instead of as a matrix product (whose panels would be mostly
    /// padding).
    package static let shallowPatchLimit = 32

    /// `dW += g * patchesᵀ` for one image in the lowering without im2col: `gradient` is `outputs`
    /// rows of `paddedPositions` values (zero past each row's outputs), `padded` the padded
    /// image (`pad`), `weights` `outputs x patchSize`. Summed directly when
    /// `sumsWeightGradientDirectly`, else by a matrix product.
    /// `scratch`, when given, is working memory of `paddedWeightGradientScratchCount(outputs:)`
    /// floats (a caller going image by image passes the same buffer each time); without it the
    /// product that needs some allocates its own.
    package func accumulatePaddedWeightGradient(
        outputs: Int, gradient: UnsafePointer<Float>, padded: UnsafePointer<Float>,
        offsets: UnsafePointer<Int>, into weights: UnsafeMutablePointer<Float>, path: KernelPath = .active,
        scratch: UnsafeMutablePointer<Float>? = nil
    ) {
        if sumsWeightGradientDirectly(outputs: outputs, path: path) {
            accumulateDirectWeightGradient(
                outputs: outputs, gradient: gradient, padded: padded, offsets: offsets, into: weights, path: path)
        } else if transposesWeightGradient(outputs: outputs, path: path) {
            let accumulate = { (product: UnsafeMutablePointer<Float>) in
                accumulateTransposedWeightGradient(
                    outputs: outputs, gradient: gradient, padded: padded, offsets: offsets, into: weights,
                    product: product, path: path)
            }
            if let scratch {
                accumulate(scratch)
            } else {
                withUnsafeTemporaryAllocation(of: Float.self, capacity: patchSize * outputs) {
                    accumulate($0.baseAddress!)
                }
            }
        } else {
            GEMM.multiply(
                transposeB: true, m: outputs, n: patchSize, k: paddedPositions, a: gradient, lda: paddedPositions,
                b: padded, ldb: 0, beta: 1, c: weights, ldc: patchSize, path: path, bRowOffsets: offsets)
        }
    }

    /// Whether `accumulatePaddedWeightGradient` sums `dW[o, j] += Σ_q g[o, q] * patch_j[q]`
    /// directly (`ShallowWeightGradient`) rather than as a product:
    /// - on every path for shallow patches (fewer than `shallowPatchLimit` taps), whose few
    ///   columns would leave a product's panels mostly padding;
    /// - on AVX-512 (32 registers hold its sixteen accumulators and the eight values they
    ///   read) for at most 16 filters over at least 512 positions, where packing the
    ///   transposed patches costs the product more than the direct form's reductions: for
    ///   resnet-mini's 16-filter layers on 32 x 32 images, 187 against 117 GFLOP/s on Zen 5,
    ///   while with 32 filters or on 16 x 16 images the product is faster
    ///   (`loupe-bench --weight-gradient-forms`).
    package func sumsWeightGradientDirectly(outputs: Int, path: KernelPath = .active) -> Bool {
        patchSize < Self.shallowPatchLimit || (path == .avx512 && outputs <= 16 && paddedPositions >= 512)
    }

    /// `dW += g * patchesᵀ` summed directly (`ShallowWeightGradient`), whatever the shape; the
    /// arguments as `accumulatePaddedWeightGradient`'s.
    package func accumulateDirectWeightGradient(
        outputs: Int, gradient: UnsafePointer<Float>, padded: UnsafePointer<Float>,
        offsets: UnsafePointer<Int>, into weights: UnsafeMutablePointer<Float>, path: KernelPath = .active
    ) {
        let positions = paddedPositions
        switch path {
        case .avx512:
            avx512AccumulateShallowWeightGradient(
                outputs: outputs, taps: patchSize, positions: positions, gradient: gradient,
                gradientStride: positions, image: padded, offsets: offsets, into: weights, weightStride: patchSize)
        case .avx2:
            avx2AccumulateShallowWeightGradient(
                outputs: outputs, taps: patchSize, positions: positions, gradient: gradient,
                gradientStride: positions, image: padded, offsets: offsets, into: weights, weightStride: patchSize)
        case .generic:
            ShallowWeightGradient<SeparateMultiplyAdd>.accumulate(
                outputs: outputs, taps: patchSize, positions: positions, gradient: gradient,
                gradientStride: positions, image: padded, offsets: offsets, into: weights, weightStride: patchSize)
        }
    }

    /// Floats of working memory `accumulatePaddedWeightGradient` uses for `outputs` filters:
    /// one slice's `dWᵀ` when it computes `dWᵀ = patches * gᵀ`, else none.
    package func paddedWeightGradientScratchCount(outputs: Int, path: KernelPath = .active) -> Int {
        !sumsWeightGradientDirectly(outputs: outputs, path: path)
            && transposesWeightGradient(outputs: outputs, path: path)
            ? patchSize * outputs : 0
    }

    /// Whether `accumulatePaddedWeightGradient` computes `dWᵀ = patches * gᵀ` rather than
    /// `dW = g * patchesᵀ`. The product `g * patchesᵀ` packs B, the patches, transposing
    /// `patchSize` values per position; `patches * gᵀ` reads the patches in place as A and packs
    /// only the `outputs` values of `gᵀ` per position, at the price of adding a transposed C
    /// onto `dW` once per depth slice. Per slice that saves about `(taps - outputs) * depth`
    /// packed values and costs `2 * taps * outputs` for the addition, so it pays when the
    /// outputs fill whole column tiles, are fewer than the taps, and the slices are much
    /// deeper than the outputs are many: at least 8 times, from `loupe-bench
    /// --weight-gradient-forms` on Zen 3 (AVX2), where resnet-mini's 16- and 32-filter layers
    /// (slices of 289 and 324) gained and its 64-filter ones (100 and 324) lost.
    package func transposesWeightGradient(outputs: Int, path: KernelPath = .active) -> Bool {
        outputs % GEMM.columnTile(path: path) == 0 && outputs < patchSize
            && GEMM.sliceDepth(k: paddedPositions, path: path) >= 8 * outputs
    }

    /// `dW += g * patchesᵀ` as `dWᵀ = patches * gᵀ`, slice by slice of the depth that
    /// `GEMM.multiply` would use for `g * patchesᵀ`, each slice's product added onto `dW`
    /// as that product adds it: the same sums in the same order, bit for bit. `product` holds
    /// one slice's `dWᵀ` (`patchSize * outputs` floats).
    package func accumulateTransposedWeightGradient(
        outputs: Int, gradient: UnsafePointer<Float>, padded: UnsafePointer<Float>, offsets: UnsafePointer<Int>,
        into weights: UnsafeMutablePointer<Float>, product: UnsafeMutablePointer<Float>, path: KernelPath
    ) {
        let (positions, taps) = (paddedPositions, patchSize)
        let depth = GEMM.sliceDepth(k: positions, path: path)
        var start = 0
        while start < positions {
            let kc = min(depth, positions - start)
            GEMM.multiply(
                transposeB: true, m: taps, n: outputs, k: kc, a: padded + start, lda: 0, b: gradient + start,
                ldb: positions, c: product, ldc: outputs, path: path, aRowOffsets: offsets)
            // dW[o, j] += product[j, o], sixteen taps at a time: the sixteen rows of the
            // product stay in cache while every output's run of dW is added to.
            var j0 = 0
            while j0 < taps {
                let end = min(j0 + 16, taps)
                for o in 0..<outputs {
                    let row = weights + o * taps
                    for j in j0..<end { row[j] += product[j * outputs + o] }
                }
                j0 = end
            }
            start += kc
        }
    }
}
