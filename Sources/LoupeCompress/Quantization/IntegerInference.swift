import LoupeKernels
import LoupeNN
import LoupeSupport
import LoupeTensor

/// Full-integer inference of an `int8Full` model: the input of every linear and convolution
/// layer is quantized to int8 with its calibrated range, multiplied by the int8 weight codes
/// and accumulated in Int32, exactly as integer hardware does; the Int32 accumulator is then
/// rescaled (`scale_input * scale_weight[channel]`) and the float bias added.
///
/// A chain of convolutions and then linear layers, each with optional ReLU and 2 x 2 max
/// pooling (`mlp`, `cnn`), runs as one `IntegerPipeline`: int8 activations from the first
/// layer's input to the last layer's output, each convolution read in place from a padded
/// channels-last image, each layer's sums requantized for the next in one pass. Any other
/// network (`resnet-mini`: batch norm, residual blocks, global average pooling) runs layer by
/// layer: every linear and convolution layer, nested ones included, is replaced by its integer
/// form (`IntegerLinear`, `IntegerConvolution`: a convolution lowered to one product per image
/// on `Int8GEMM`) and the layers between them run in float, as the float simulation
/// (`QuantizedModel.simulatedLogits`) runs them. Both give the same logits, bit for bit, on
/// every path (AVX-512 VNNI, AVX2 or portable, as `KernelPath.active` selects) and thread
/// count; the weight codes are packed once, when the inference is built. The codes enter the
/// products as they are and the zero point leaves them as `zp * sum(w)` per column, so the
/// Int32 sums are those of `q - zp` times `w`.
public struct IntegerInference: Sendable {
    public let quantized: QuantizedModel
    let prepared: Prepared

    /// What a model's integer inference keeps: its pipeline when the layers form one
    /// (`IntegerPipeline`, convolutions then linear layers with ReLU and max pooling), else the
    /// model with its linear and convolution layers in integer form.
    struct Prepared: Sendable {
        let pipeline: IntegerPipeline?
        let layers: Model?
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
        _ = try integerProducts(of: quantized, path: path, packing: false)
        if pipelined, let pipeline = IntegerPipeline(quantized, path: path) {
            return Prepared(pipeline: pipeline, layers: nil)
        }
        let packed = try integerProducts(of: quantized, path: path)
        // Parameters, buffers and shapes are the replaced layers' own: the rewrite cannot fail.
        let layers = try! quantized.model.rewritingLayers(
            where: { $0 is Linear || $0 is Conv2d },
            with: { layer in
                switch layer {
                case let linear as Linear: IntegerLinear(base: linear, product: packed[linear.name]!)
                case let convolution as Conv2d:
                    IntegerConvolution(base: convolution, product: packed[convolution.name]!)
                default: layer
                }
            })
        return Prepared(pipeline: nil, layers: layers)
    }

    /// Checks that `quantized` can run on integers (an `int8Full` model whose every linear and
    /// convolution layer, nested ones included, has an int8 input grid and weight codes) and,
    /// when `packing`, returns what each of those layers needs to run on integers (its weight
    /// codes packed for `Int8GEMM` on `path`), by layer name.
    static func integerProducts(
        of quantized: QuantizedModel, path: IntegerKernelPath = .active, packing: Bool = true
    ) throws(CompressionError) -> [String: IntegerProduct] {
        guard quantized.scheme == .int8Full else {
            throw CompressionError("integer inference needs an int8-full model, got \(quantized.scheme.rawValue)")
        }
        // The rewrite visits every layer, nested ones included, and changes none.
        var layers: [any Layer] = []
        _ = try? quantized.model.rewritingLayers(
            where: {
                if $0 is Linear || $0 is Conv2d { layers.append($0) }
                return false
            }, with: { $0 })
        var products: [String: IntegerProduct] = [:]
        for layer in layers {
            let name: String
            let shape: (outputs: Int, inputs: Int)
            switch layer {
            case let linear as Linear:
                (name, shape) = (linear.name, (linear.outputFeatures, linear.inputFeatures))
            case let conv as Conv2d:
                (name, shape) = (
                    conv.name, (conv.outputChannels, conv.inputChannels * conv.kernelSize * conv.kernelSize)
                )
            default:
                continue
            }
            guard let range = quantized.activationRanges[name] else {
                throw CompressionError("integer inference needs the input range of layer \(name), which has none")
            }
            guard (-128...127).contains(range.zeroPoint) else {
                throw CompressionError(
                    "integer inference needs int8 zero points, layer \(name) has \(range.zeroPoint) (outside -128...127)"
                )
            }
            guard let (codes, scales) = quantized.codes["\(name).weight"], codes.count == shape.outputs * shape.inputs,
                scales.count == shape.outputs
            else {
                throw CompressionError("integer inference needs the int8 weight codes of layer \(name)")
            }
            guard packing else { continue }
            let weights = codes.withUnsafeBufferPointer {
                Int8PackedWeights($0, outputs: shape.outputs, inputs: shape.inputs, path: path)
            }
            guard let weights else { throw CompressionError("layer \(name)'s packed weights would not fit in memory") }
            products[name] = IntegerProduct(
                range: range, weights: weights, weightScales: scales,
                bias: quantized.model.parameters["\(name).bias"]?.scalars)
        }
        return products
    }

    /// Logits `[batch, classes]`.
    public func logits(_ images: Tensor) -> Tensor {
        if let pipeline = prepared.pipeline { return pipeline.logits(images, model: quantized.model) }
        return prepared.layers!.logits(images)
    }

    /// Logits for a batch split into contiguous shards across `threads` threads; the result
    /// does not depend on the thread count.
    public func logits(_ images: Tensor, threads: Int) -> Tensor {
        let shards = Parallel.ranges(count: images.shape[0], parts: threads)
        if shards.count <= 1 { return logits(images) }
        return Tensor.concatenating(
            Parallel.map(count: shards.count, threads: threads) { logits(images.slice(shards[$0])) })
    }
}
