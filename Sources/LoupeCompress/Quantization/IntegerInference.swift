import LoupeKernels
import LoupeNN
import LoupeSupport
import LoupeTensor

/// Full-integer inference of an `int8Full` model: the input of every linear and convolution
/// layer is quantized to int8 with its calibrated range, multiplied by the int8 weight codes
/// and accumulated in Int32, exactly as integer hardware does; the Int32 accumulator is then
/// rescaled (`scale_input * scale_weight[channel]`) and the float bias added. ReLU, pooling
/// and flatten run on the rescaled values.
///
/// A chain of convolutions and then linear layers, each with optional ReLU and 2 x 2 max
/// pooling (`mlp`, `cnn`), runs as one `IntegerPipeline`: int8 activations from the first
/// layer's input to the last layer's output, each convolution read in place from a padded
/// channels-last image, each layer's sums requantized for the next in one pass. Other networks
/// run layer by layer: each product on `Int8GEMM` with a convolution lowered to one product per
/// image, rescaled to float, and the other layers in float. Both give the same logits, bit for
/// bit, on every path (AVX-512 VNNI, AVX2 or portable, as `KernelPath.active` selects) and
/// thread count; the weight codes are packed once, when the inference is built. The codes enter
/// the products as they are and the zero point leaves them as `zp * sum(w)` per column, so the
/// Int32 sums are those of `q - zp` times `w`.
///
/// Supports sequential networks of linear, convolution, activation, pooling, flatten,
/// dropout and input normalisation layers (with or without `--normalize`; the normalisation
/// runs in float before the first layer quantizes its input); batch norm and residual blocks
/// need folding first.
public struct IntegerInference: Sendable {
    public let quantized: QuantizedModel
    let prepared: Prepared

    /// What a model's integer inference keeps: its pipeline when the layers form one
    /// (`IntegerPipeline`, convolutions then linear layers with ReLU and max pooling), else each
    /// linear and convolution layer's weight codes packed for `Int8GEMM`, by layer name.
    struct Prepared: Sendable {
        let pipeline: IntegerPipeline?
        let packedWeights: [String: Int8PackedWeights]
    }

    public init(_ quantized: QuantizedModel) throws(CompressionError) {
        try self.init(quantized, path: .active)
    }

    /// The integer inference of `quantized` on `path`, as one pipeline when its layers allow and
    /// `pipelined` (else layer by layer).
    package init(
        _ quantized: QuantizedModel, path: IntegerKernelPath, pipelined: Bool = true
    ) throws(CompressionError) {
        self.init(quantized, prepared: try IntegerInference.prepare(quantized, path: path, pipelined: pipelined))
    }

    /// Whether it runs as one pipeline rather than layer by layer.
    package var isPipelined: Bool { prepared.pipeline != nil }

    init(_ quantized: QuantizedModel, prepared: Prepared) {
        self.quantized = quantized
        self.prepared = prepared
    }

    /// Checks that `quantized` can run on integers and prepares it for `path`.
    static func prepare(
        _ quantized: QuantizedModel, path: IntegerKernelPath = .active, pipelined: Bool = true
    ) throws(CompressionError) -> Prepared {
        _ = try packedWeights(of: quantized, path: path, packing: false)
        if pipelined, let pipeline = IntegerPipeline(quantized, path: path) {
            return Prepared(pipeline: pipeline, packedWeights: [:])
        }
        return Prepared(pipeline: nil, packedWeights: try packedWeights(of: quantized, path: path))
    }

    /// Checks that `quantized` can run on integers and, when `packing`, packs the weight codes
    /// of its linear and convolution layers for `Int8GEMM` on `path`, by layer name.
    static func packedWeights(
        of quantized: QuantizedModel, path: IntegerKernelPath = .active, packing: Bool = true
    ) throws(CompressionError) -> [String: Int8PackedWeights] {
        guard quantized.scheme == .int8Full else {
            throw CompressionError("integer inference needs an int8-full model, got \(quantized.scheme.rawValue)")
        }
        var packed: [String: Int8PackedWeights] = [:]
        for layer in quantized.model.network.layers {
            let name: String
            let shape: (outputs: Int, inputs: Int)
            switch layer {
            case let linear as Linear:
                (name, shape) = (linear.name, (linear.outputFeatures, linear.inputFeatures))
            case let conv as Conv2d:
                (name, shape) = (
                    conv.name, (conv.outputChannels, conv.inputChannels * conv.kernelSize * conv.kernelSize)
                )
            case is Activation, is MaxPool2d, is AvgPool2d, is GlobalAvgPool, is Flatten, is Dropout, is Normalize:
                continue
            default:
                throw CompressionError(
                    "integer inference supports linear, convolution, activation, pooling, flatten and normalize layers, not \(layer.description.label)"
                )
            }
            guard let range = quantized.activationRanges[name] else {
                throw CompressionError("integer inference needs the input range of layer \(name), which has none")
            }
            guard (-128...127).contains(range.zeroPoint) else {
                throw CompressionError(
                    "integer inference needs int8 zero points, layer \(name) has \(range.zeroPoint) (outside -128...127)"
                )
            }
            guard let (codes, _) = quantized.codes["\(name).weight"], codes.count == shape.outputs * shape.inputs else {
                throw CompressionError("integer inference needs the int8 weight codes of layer \(name)")
            }
            guard packing else { continue }
            let weights = codes.withUnsafeBufferPointer {
                Int8PackedWeights($0, outputs: shape.outputs, inputs: shape.inputs, path: path)
            }
            guard let weights else { throw CompressionError("layer \(name)'s packed weights would not fit in memory") }
            packed[name] = weights
        }
        return packed
    }

    /// Logits `[batch, classes]`.
    public func logits(_ images: Tensor) -> Tensor {
        if let pipeline = prepared.pipeline { return pipeline.logits(images, model: quantized.model) }
        let model = quantized.model
        let tape = Tape()
        var context = model.makeContext(tape: tape, isTraining: false, trainable: false)
        var x = images
        let layers = model.network.layers
        var index = 0
        while index < layers.count {
            switch layers[index] {
            case let linear as Linear:
                x = integerLinear(x, linear)
            case let conv as Conv2d:
                x = integerConvolution(x, conv)
                // ReLU then 2 x 2 max pooling in one pass, as the float engine fuses them: the
                // same values.
                if index + 2 < layers.count, (layers[index + 1] as? Activation)?.function == .relu,
                    let pool = layers[index + 2] as? MaxPool2d, pool.kernelSize == 2, pool.stride == 2
                {
                    x = tape.constant(x).reluMaxPool2d(kernel: 2).value
                    index += 2
                }
            default:
                x = layers[index](tape.constant(x), &context).value
            }
            index += 1
        }
        return x
    }

    /// Logits for a batch split into contiguous shards across `threads` threads; the result
    /// does not depend on the thread count.
    public func logits(_ images: Tensor, threads: Int) -> Tensor {
        let shards = Parallel.ranges(count: images.shape[0], parts: threads)
        if shards.count <= 1 { return logits(images) }
        return Tensor.concatenating(
            Parallel.map(count: shards.count, threads: threads) { logits(images.slice(shards[$0])) })
    }

    /// The int8 codes of `x` on `range`'s grid, `clamp(round(x / s) + zp, -128, 127)`
    /// (`Int8Quantization`: the operations of `ActivationRange.code` in its order).
    func codes(_ x: Tensor, _ range: ActivationRange) -> [Int8] {
        x.withUnsafeBufferPointer { values in
            [Int8](unsafeUninitializedCapacity: values.count) { codes, count in
                Int8Quantization.codes(values, scale: range.scale, zeroPoint: range.zeroPoint, into: codes)
                count = values.count
            }
        }
    }

    func integerLinear(_ x: Tensor, _ layer: Linear) -> Tensor {
        let range = quantized.activationRanges[layer.name]!
        let scale = range.scale
        let weights = prepared.packedWeights[layer.name]!
        let weightScales = quantized.codes["\(layer.name).weight"]!.scales
        let bias = quantized.model.parameters["\(layer.name).bias"]?.scalars
        let (batch, k, n) = (x.shape[0], layer.inputFeatures, layer.outputFeatures)
        let input = codes(x, range)
        var sums = [Int32](repeating: 0, count: batch * n)
        Int8GEMM.multiply(m: batch, a: input, lda: k, weights: weights, c: &sums, ldc: n)
        let zeroPoint = Int32(range.zeroPoint)
        var out = [Float](repeating: 0, count: batch * n)
        for j in 0..<n {
            let correction = zeroPoint &* weights.columnSums[j]
            for b in 0..<batch {
                let accumulator = sums[b * n + j] &- correction
                out[b * n + j] = Float(accumulator) * (scale * weightScales[j]) + (bias?[j] ?? 0)
            }
        }
        return Tensor(shape: [batch, n], scalars: out)
    }

    func integerConvolution(_ x: Tensor, _ layer: Conv2d) -> Tensor {
        let range = quantized.activationRanges[layer.name]!
        let scale = range.scale
        let weights = prepared.packedWeights[layer.name]!
        let weightScales = quantized.codes["\(layer.name).weight"]!.scales
        let bias = quantized.model.parameters["\(layer.name).bias"]?.scalars
        let geometry = ConvolutionGeometry(
            channels: x.shape[1], height: x.shape[2], width: x.shape[3], kernelHeight: layer.kernelSize,
            kernelWidth: layer.kernelSize, stride: layer.stride, padding: layer.padding)
        let (batch, patch, spatial) = (x.shape[0], geometry.patchSize, geometry.outputHeight * geometry.outputWidth)
        let outChannels = layer.outputChannels
        let imageSize = geometry.channels * geometry.height * geometry.width
        let input = codes(x, range)
        // Padding holds the code of zero, the zero point: its products leave with `zp * sum(w)`.
        let fill = Int8(range.zeroPoint)
        let zeroPoint = Int32(range.zeroPoint)
        var rows = [Int8](repeating: 0, count: spatial * patch)
        var sums = [Int32](repeating: 0, count: spatial * outChannels)
        let shape = [batch, outChannels, geometry.outputHeight, geometry.outputWidth]
        return Tensor(
            shape: shape,
            initializingWith: { (out: UnsafeMutableBufferPointer<Float>) in
                for b in 0..<batch {
                    input.withUnsafeBufferPointer { image in
                        rows.withUnsafeMutableBufferPointer {
                            geometry.int8Rows(image.baseAddress! + b * imageSize, fill: fill, into: $0.baseAddress!)
                        }
                    }
                    Int8GEMM.multiply(m: spatial, a: rows, lda: patch, weights: weights, c: &sums, ldc: outChannels)
                    sums.withUnsafeBufferPointer { sums in
                        for o in 0..<outChannels {
                            let rescale = scale * weightScales[o]
                            let correction = zeroPoint &* weights.columnSums[o]
                            let offset = bias?[o] ?? 0
                            let plane = out.baseAddress! + (b * outChannels + o) * spatial
                            let column = sums.baseAddress! + o
                            for s in 0..<spatial {
                                plane[s] = Float(column[s * outChannels] &- correction) * rescale + offset
                            }
                        }
                    }
                }
            })
    }
}
