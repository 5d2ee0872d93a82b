import LoupeKernels
import LoupeNN
import LoupeTensor

/// Full-integer inference of an `int8Full` model: the input of every linear and convolution
/// layer is quantized to int8 with its calibrated range, multiplied by the int8 weight codes
/// and accumulated in Int32, exactly as integer hardware does; the Int32 accumulator is then
/// rescaled (`scale_input * scale_weight[channel]`) and the float bias added. ReLU, pooling
/// and flatten run on the rescaled values.
///
/// Supports sequential networks of linear, convolution, activation, pooling, flatten,
/// dropout and input normalisation layers (`mlp`, `cnn`, with or without `--normalize`; the
/// normalisation runs in float before the first layer quantizes its input); batch norm and
/// residual blocks need folding first.
public struct IntegerInference: Sendable {
    public let quantized: QuantizedModel

    public init(_ quantized: QuantizedModel) throws(CompressionError) {
        guard quantized.scheme == .int8Full else {
            throw CompressionError("integer inference needs an int8-full model, got \(quantized.scheme.rawValue)")
        }
        for layer in quantized.model.network.layers {
            switch layer {
            case is Linear, is Conv2d, is Activation, is MaxPool2d, is AvgPool2d, is GlobalAvgPool, is Flatten,
                is Dropout, is Normalize:
                continue
            default:
                throw CompressionError(
                    "integer inference supports linear, convolution, activation, pooling, flatten and normalize layers, not \(layer.description.label)"
                )
            }
        }
        self.quantized = quantized
    }

    /// Logits `[batch, classes]`.
    public func logits(_ images: Tensor) -> Tensor {
        let model = quantized.model
        let tape = Tape()
        var context = model.makeContext(tape: tape, isTraining: false, trainable: false)
        var x = images
        for layer in model.network.layers {
            switch layer {
            case let linear as Linear:
                x = integerLinear(x, linear)
            case let conv as Conv2d:
                x = integerConvolution(x, conv)
            default:
                x = layer(tape.constant(x), &context).value
            }
        }
        return x
    }

    /// Input codes minus the zero point, as Int32: `q - zp` with `q = clamp(round(x / s) + zp)`.
    func centeredCodes(_ x: Tensor, layer: String) -> (codes: [Int32], scale: Float) {
        let range = quantized.activationRanges[layer]!
        let codes = x.scalars.map { Int32(range.code($0)) - Int32(range.zeroPoint) }
        return (codes, range.scale)
    }

    func integerLinear(_ x: Tensor, _ layer: Linear) -> Tensor {
        let (codes, scale) = centeredCodes(x, layer: layer.name)
        let (weights, weightScales) = quantized.codes["\(layer.name).weight"]!
        let w = weights.map(Int32.init)
        let bias = quantized.model.parameters["\(layer.name).bias"]?.scalars
        let (batch, k, n) = (x.shape[0], layer.inputFeatures, layer.outputFeatures)
        var out = [Float](repeating: 0, count: batch * n)
        for b in 0..<batch {
            for j in 0..<n {
                let accumulator = integerDot(codes, b * k, w, j * k, count: k)
                out[b * n + j] = Float(accumulator) * (scale * weightScales[j]) + (bias?[j] ?? 0)
            }
        }
        return Tensor(shape: [batch, n], scalars: out)
    }

    func integerConvolution(_ x: Tensor, _ layer: Conv2d) -> Tensor {
        let (codes, scale) = centeredCodes(x, layer: layer.name)
        let (weights, weightScales) = quantized.codes["\(layer.name).weight"]!
        let w = weights.map(Int32.init)
        let bias = quantized.model.parameters["\(layer.name).bias"]?.scalars
        let geometry = ConvolutionGeometry(
            channels: x.shape[1], height: x.shape[2], width: x.shape[3], kernelHeight: layer.kernelSize,
            kernelWidth: layer.kernelSize, stride: layer.stride, padding: layer.padding)
        let (batch, patch, spatial) = (x.shape[0], geometry.patchSize, geometry.outputHeight * geometry.outputWidth)
        let outChannels = layer.outputChannels
        let imageSize = geometry.channels * geometry.height * geometry.width
        var out = [Float](repeating: 0, count: batch * outChannels * spatial)
        let asFloats = codes.map(Float.init)  // small integers: exact in Float, so im2col moves them exactly
        var columns = [Float](repeating: 0, count: patch * spatial)
        var transposed = [Int32](repeating: 0, count: spatial * patch)
        for b in 0..<batch {
            asFloats.withUnsafeBufferPointer { image in
                columns.withUnsafeMutableBufferPointer { col in
                    geometry.im2col(image.baseAddress! + b * imageSize, into: col.baseAddress!)
                }
            }
            for p in 0..<patch {
                for s in 0..<spatial { transposed[s * patch + p] = Int32(columns[p * spatial + s]) }
            }
            for o in 0..<outChannels {
                let rescale = scale * weightScales[o]
                for s in 0..<spatial {
                    let accumulator = integerDot(transposed, s * patch, w, o * patch, count: patch)
                    out[(b * outChannels + o) * spatial + s] = Float(accumulator) * rescale + (bias?[o] ?? 0)
                }
            }
        }
        return Tensor(shape: [batch, outChannels, geometry.outputHeight, geometry.outputWidth], scalars: out)
    }
}

/// `sum(a[i + aStart] * b[i + bStart])` over `count` elements, in Int32 (no overflow for
/// int8 codes up to 2^31 / (255 * 127), about 66,000 products).
@inline(__always)
func integerDot(_ a: [Int32], _ aStart: Int, _ b: [Int32], _ bStart: Int, count: Int) -> Int32 {
    a.withUnsafeBufferPointer { x in
        b.withUnsafeBufferPointer { y in
            var partial = SIMD8<Int32>()
            var i = 0
            while i + 8 <= count {
                let u = UnsafeRawPointer(x.baseAddress! + aStart + i).loadUnaligned(as: SIMD8<Int32>.self)
                let v = UnsafeRawPointer(y.baseAddress! + bStart + i).loadUnaligned(as: SIMD8<Int32>.self)
                partial &+= u &* v
                i += 8
            }
            var total = partial.wrappedSum()
            while i < count {
                total &+= x[aStart + i] &* y[bStart + i]
                i += 1
            }
            return total
        }
    }
}
