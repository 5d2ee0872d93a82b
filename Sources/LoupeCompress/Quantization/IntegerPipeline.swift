import LoupeKernels
import LoupeNN
import LoupeSupport
import LoupeTensor

/// Full-integer inference of a chain of convolutions and then linear layers (each optionally
/// followed by ReLU and, for a convolution, 2 x 2 max pooling) with int8 activations between
/// the layers, as integer engines run it: each convolution reads its int8 input in place from
/// a padded channels-last image (`Int8ConvolutionLayout`, no lowering), and each layer's Int32
/// sums become the next layer's codes in one pass (`Int8Requantization`: correction, pooling,
/// rescale, bias, ReLU, quantization). No float tensor exists between the first layer's input
/// and the last layer's output.
///
/// Its logits are those of the layer by layer `IntegerInference`, bit for bit: the sums are
/// exact integers whatever their order, pooling the sums equals pooling the rescaled values,
/// and each float operation is the same one.
struct IntegerPipeline: Sendable {
    /// One linear or convolution layer with the ReLU and pooling that follow it.
    struct Step: Sendable {
        enum Kind: Sendable {
            case convolution(kernel: Int, stride: Int, padding: Int, channels: Int)
            case linear(inputs: Int)
        }
        let kind: Kind
        let outputs: Int
        /// Its input's grid.
        let range: ActivationRange
        /// Weight codes in the order the in-place product reads them, packed.
        let weights: Int8PackedWeights
        /// `zeroPoint * sum(w)`, `scale * weightScale` and the bias, per output channel.
        let corrections: [Int32]
        let rescales: [Float]
        let offsets: [Float]
        let relu: Bool
        let pool: Bool
    }

    /// Float layers before the first step (normalisation, dropout) and after the last (flatten).
    let prefix: [any Layer]
    let steps: [Step]
    let suffix: [any Layer]
    let path: IntegerKernelPath
    /// The shape of one example, as the architecture declares it.
    let inputShape: [Int]

    /// The pipeline of `quantized` (already checked by `IntegerInference`), or `nil` when its
    /// layers are not such a chain.
    init?(_ quantized: QuantizedModel, path: IntegerKernelPath) {
        let layers = quantized.model.network.layers
        var index = 0
        var prefix: [any Layer] = []
        while index < layers.count, layers[index] is Normalize || layers[index] is Dropout || layers[index] is Flatten {
            prefix.append(layers[index])
            index += 1
        }
        var shape = quantized.model.architecture.inputShape
        for layer in prefix {
            guard let next = try? layer.outputShape(for: shape) else { return nil }
            shape = next
        }
        var steps: [Step] = []
        while index < layers.count {
            let kind: Step.Kind
            let name: String
            let outputs: Int
            let rows: [Int8]
            switch layers[index] {
            case let conv as Conv2d:
                guard shape.count == 3, shape[0] == conv.inputChannels, conv.kernelSize >= 1 else {
                    return nil
                }
                kind = .convolution(
                    kernel: conv.kernelSize, stride: conv.stride, padding: conv.padding, channels: conv.inputChannels)
                (name, outputs) = (conv.name, conv.outputChannels)
                let geometry = ConvolutionGeometry(
                    channels: shape[0], height: shape[1], width: shape[2], kernelHeight: conv.kernelSize,
                    kernelWidth: conv.kernelSize, stride: conv.stride, padding: conv.padding)
                guard geometry.outputHeight >= 1, geometry.outputWidth >= 1 else { return nil }
                rows = quantized.codes["\(name).weight"]!.values.withUnsafeBufferPointer {
                    Int8ConvolutionLayout(geometry).weightsInQuadOrder($0, outputs: outputs)
                }
                shape = [outputs, geometry.outputHeight, geometry.outputWidth]
            case let linear as Linear:
                guard shape == [linear.inputFeatures] else { return nil }
                kind = .linear(inputs: linear.inputFeatures)
                (name, outputs) = (linear.name, linear.outputFeatures)
                let (inputs, depth) = (linear.inputFeatures, (linear.inputFeatures + 3) / 4 * 4)
                let codes = quantized.codes["\(name).weight"]!.values
                rows = (0..<(outputs * depth)).map { $0 % depth < inputs ? codes[$0 / depth * inputs + $0 % depth] : 0 }
                shape = [outputs]
            case is Flatten where !steps.isEmpty && shape.count == 3:
                shape = [shape.reduce(1, *)]
                index += 1
                continue
            case is Dropout:
                index += 1
                continue
            default:
                return nil
            }
            index += 1
            var (relu, pool) = (false, false)
            while index < layers.count {
                if let activation = layers[index] as? Activation, activation.function == .relu, !relu {
                    relu = true
                } else if let max = layers[index] as? MaxPool2d, max.kernelSize == 2, max.stride == 2, !pool,
                    shape.count == 3, shape[1] >= 2, shape[2] >= 2
                {
                    pool = true
                    shape = [shape[0], shape[1] / 2, shape[2] / 2]
                } else if !(layers[index] is Dropout) {
                    break
                }
                index += 1
            }
            let range = quantized.activationRanges[name]!
            let weights = rows.withUnsafeBufferPointer {
                Int8PackedWeights($0, outputs: outputs, inputs: rows.count / max(outputs, 1), path: path)
            }
            guard let weights, let weightScales = quantized.codes["\(name).weight"]?.scales else { return nil }
            let bias = quantized.model.parameters["\(name).bias"]?.scalars
            steps.append(
                Step(
                    kind: kind, outputs: outputs, range: range, weights: weights,
                    corrections: weights.columnSums.map { Int32(range.zeroPoint) &* $0 },
                    rescales: weightScales.map { range.scale * $0 },
                    offsets: bias ?? Array(repeating: 0, count: outputs),
                    relu: relu, pool: pool))
            // What may follow the last step: flatten and dropout, run in float.
            if layers[index...].allSatisfy({ $0 is Flatten || $0 is Dropout }) { break }
        }
        guard !steps.isEmpty else { return nil }
        (self.prefix, self.steps, self.suffix, self.path) = (prefix, steps, Array(layers[index...]), path)
        inputShape = quantized.model.architecture.inputShape
    }

    /// Logits `[batch, classes]` (or whatever the last layer gives) of `images`, whose shape
    /// must be the architecture's.
    func logits(_ images: Tensor, model: Model) -> Tensor {
        precondition(Array(images.shape.dropFirst()) == inputShape, "integer inference: input shape \(images.shape)")
        let tape = Tape()
        var context = model.makeContext(tape: tape, isTraining: false, trainable: false)
        var x = images
        for layer in prefix { x = layer(tape.constant(x), &context).value }
        x = integerLogits(x)
        for layer in suffix { x = layer(tape.constant(x), &context).value }
        return x
    }

    /// The steps on `x` (`[batch, channels, height, width]` before a convolution, `[batch,
    /// features]` before a linear layer): convolutions image by image, linear layers on the batch.
    private func integerLogits(_ x: Tensor) -> Tensor {
        let batch = x.shape[0]
        var shape = Array(x.shape.dropFirst())
        var layouts: [Int8ConvolutionLayout] = []
        for step in steps {
            guard case .convolution(let kernel, let stride, let padding, let channels) = step.kind else { break }
            let geometry = ConvolutionGeometry(
                channels: channels, height: shape[1], width: shape[2], kernelHeight: kernel, kernelWidth: kernel,
                stride: stride, padding: padding)
            layouts.append(Int8ConvolutionLayout(geometry))
            let pool = step.pool ? 2 : 1
            shape = [step.outputs, geometry.outputHeight / pool, geometry.outputWidth / pool]
        }
        let convolutions = layouts.count
        let depths = steps[convolutions...].map { step -> Int in
            guard case .linear(let inputs) = step.kind else {
                preconditionFailure("a convolution after a linear layer")
            }
            return (inputs + 3) / 4 * 4
        }
        let outputShape = [batch] + (depths.isEmpty ? shape : [steps.last!.outputs])
        guard batch > 0 else { return Tensor(shape: outputShape, scalars: []) }
        // The unsigned codes each step reads: a padded image per convolution (its border the
        // zero point's code), the batch's rows per linear layer (rounded up to whole quads).
        let images = layouts.enumerated().map { i, layout in
            UnsafeMutableBufferPointer<UInt8>.filled(
                layout.imageBytes!, UInt8(truncatingIfNeeded: steps[i].range.zeroPoint + 128))
        }
        let rows = depths.map { UnsafeMutableBufferPointer<UInt8>.filled(batch * $0, 128) }
        let positions = layouts.map { $0.geometry.outputHeight * $0.geometry.outputWidth }
        let sumCount = zip(steps, positions + Array(repeating: batch, count: depths.count)).map { $0.outputs * $1 }
        let sums = UnsafeMutableBufferPointer<Int32>.filled(sumCount.max()!, 0)
        defer {
            for buffer in images + rows { buffer.deallocate() }
            sums.deallocate()
        }
        var output = [Float](repeating: 0, count: outputShape.reduce(1, *))
        output.withUnsafeMutableBufferPointer { output in
            x.withUnsafeBufferPointer { input in
                if let first = layouts.first {
                    let imageSize = first.geometry.channels * first.geometry.height * first.geometry.width
                    let rowOffsets = layouts.map(\.rowOffsets)
                    let quadOffsets = layouts.map(\.quadOffsets)
                    for b in 0..<batch {
                        quantize(
                            UnsafeBufferPointer(rebasing: input[(b * imageSize)..<((b + 1) * imageSize)]),
                            into: images[0].baseAddress!, first)
                        for i in 0..<convolutions {
                            let geometry = layouts[i].geometry
                            let (oh, ow) = (geometry.outputHeight, geometry.outputWidth)
                            Int8GEMM.multiply(
                                m: oh * ow, a: images[i].baseAddress!, rowOffsets: rowOffsets[i],
                                quadOffsets: quadOffsets[i],
                                weights: steps[i].weights, c: sums.baseAddress!, ldc: steps[i].outputs)
                            if i + 1 < convolutions {
                                // Channels-last into the next convolution's padded image.
                                let next = layouts[i + 1]
                                finish(
                                    i, sums.baseAddress!, height: oh, width: ow,
                                    rowStride: next.paddedWidth * next.geometry.channels,
                                    columnStride: next.geometry.channels, channelStride: 1,
                                    into: images[i + 1].baseAddress! + next.offset(y: 0, x: 0))
                            } else {
                                // Channel-major: a linear layer's row (flattened) or the output.
                                let pool = steps[i].pool ? 2 : 1
                                let (ph, pw) = (oh / pool, ow / pool)
                                let target: UnsafeMutableRawPointer =
                                    depths.isEmpty
                                    ? UnsafeMutableRawPointer(output.baseAddress! + b * steps[i].outputs * ph * pw)
                                    : UnsafeMutableRawPointer(rows[0].baseAddress! + b * depths[0])
                                finish(
                                    i, sums.baseAddress!, height: oh, width: ow, rowStride: pw, columnStride: 1,
                                    channelStride: ph * pw, into: target)
                            }
                        }
                    }
                } else {
                    let features = shape[0]
                    for b in 0..<batch {
                        quantize(
                            UnsafeBufferPointer(rebasing: input[(b * features)..<((b + 1) * features)]),
                            into: rows[0].baseAddress! + b * depths[0])
                    }
                }
            }
            for (j, depth) in depths.enumerated() {
                let i = convolutions + j
                Int8GEMM.multiply(
                    m: batch, a: rows[j].baseAddress!, rowOffsets: (0..<batch).map { $0 * depth },
                    quadOffsets: (0..<(depth / 4)).map { 4 * $0 },
                    weights: steps[i].weights, c: sums.baseAddress!, ldc: steps[i].outputs)
                let last = j + 1 == depths.count
                finish(
                    i, sums.baseAddress!, height: batch, width: 1, rowStride: last ? steps[i].outputs : depths[j + 1],
                    columnStride: 0, channelStride: 1,
                    into: last
                        ? UnsafeMutableRawPointer(output.baseAddress!)
                        : UnsafeMutableRawPointer(rows[j + 1].baseAddress!))
            }
        }
        return Tensor(shape: outputShape, scalars: output)
    }

    /// The first step's codes of `values`, shifted to unsigned, written channels-last into the
    /// padded image of `layout` when the first step is a convolution, else as a row.
    private func quantize(
        _ values: UnsafeBufferPointer<Float>, into target: UnsafeMutablePointer<UInt8>,
        _ layout: Int8ConvolutionLayout? = nil
    ) {
        let codes = UnsafeMutableBufferPointer<Int8>.allocate(capacity: values.count)
        defer { codes.deallocate() }
        Int8Quantization.codes(
            values, scale: steps[0].range.scale, zeroPoint: steps[0].range.zeroPoint, into: codes, path: path)
        guard let layout else {
            for (f, code) in codes.enumerated() { target[f] = UInt8(bitPattern: code) ^ 0x80 }
            return
        }
        let (channels, height, width) = (layout.geometry.channels, layout.geometry.height, layout.geometry.width)
        for y in 0..<height {
            let row = target + layout.offset(y: y, x: 0)
            for x in 0..<width {
                for c in 0..<channels {
                    row[x * channels + c] = UInt8(bitPattern: codes[(c * height + y) * width + x]) ^ 0x80
                }
            }
        }
    }

    /// Step `i`'s sums (`height x width` positions) requantized into the next step's codes at
    /// `target`, or, after the last step, into float values there.
    private func finish(
        _ i: Int, _ sums: UnsafePointer<Int32>, height: Int, width: Int, rowStride: Int, columnStride: Int,
        channelStride: Int,
        into target: UnsafeMutableRawPointer
    ) {
        let step = steps[i]
        let requantization = Int8Requantization(
            height: height, width: width, ldc: step.outputs, pool: step.pool ? 2 : 1, corrections: step.corrections,
            rescales: step.rescales, offsets: step.offsets, relu: step.relu, rowStride: rowStride,
            columnStride: columnStride,
            channelStride: channelStride)
        if i + 1 < steps.count {
            let next = steps[i + 1].range
            requantization.codes(
                sums, scale: next.scale, zeroPoint: next.zeroPoint, into: target.assumingMemoryBound(to: UInt8.self),
                path: path)
        } else {
            requantization.values(sums, into: target.assumingMemoryBound(to: Float.self), path: path)
        }
    }
}

extension UnsafeMutableBufferPointer {
    /// `count` elements, each `value`; the caller deallocates.
    fileprivate static func filled(_ count: Int, _ value: Element) -> Self {
        let buffer = allocate(capacity: count)
        buffer.initialize(repeating: value)
        return buffer
    }
}
