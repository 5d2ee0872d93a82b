import LoupeKernels
import LoupeNN
import LoupeTensor

/// What a linear or convolution layer of an `int8Full` model needs to run on integers: its
/// input grid, its weight codes packed for `Int8GEMM`, their per-output scales and its float
/// bias.
struct IntegerProduct: Sendable {
    let range: ActivationRange
    let weights: Int8PackedWeights
    let weightScales: [Float]
    let bias: [Float]?

    /// The int8 codes of `x` on the input grid, `clamp(round(x / s) + zp, -128, 127)`
    /// (`Int8Quantization`: the operations of `ActivationRange.code` in its order).
    func codes(_ x: Tensor) -> [Int8] {
        x.withUnsafeBufferPointer { values in
            [Int8](unsafeUninitializedCapacity: values.count) { codes, count in
                Int8Quantization.codes(values, scale: range.scale, zeroPoint: range.zeroPoint, into: codes)
                count = values.count
            }
        }
    }

    /// How output `j`'s Int32 sums become floats: `Float(sum - correction) * rescale + offset`,
    /// with `correction = zp * Σw`, `rescale = s * s_w[j]` and `offset = bias[j]`.
    func output(_ j: Int) -> (correction: Int32, rescale: Float, offset: Float) {
        (Int32(range.zeroPoint) &* weights.columnSums[j], range.scale * weightScales[j], bias?[j] ?? 0)
    }
}

/// A linear or convolution layer in its integer form: `apply` computes it from int8 codes on
/// `Int8GEMM`. Inference only (the result is a constant of the tape); it has the wrapped
/// layer's parameters and description, so `Model.rewritingLayers` can put it in the layer's
/// place.
protocol IntegerLayer: Layer {
    associatedtype Base: Layer
    var base: Base { get }
    /// The layer's output for `x`, computed on integers.
    func apply(_ x: Tensor) -> Tensor
}

extension IntegerLayer {
    var parameterSpecs: [ParameterSpec] { base.parameterSpecs }
    func outputShape(for input: [Int]) throws(ModelError) -> [Int] { try base.outputShape(for: input) }
    func forwardFLOPs(for input: [Int]) -> Int { base.forwardFLOPs(for: input) }
    var description: LayerDescription { base.description }

    func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        context.tape.constant(apply(input.value))
    }
}

/// A linear layer run on integers: its input quantized to int8 on the calibrated grid,
/// multiplied by the int8 weight codes with Int32 sums, rescaled to float and the bias added.
struct IntegerLinear: IntegerLayer {
    let base: Linear
    let product: IntegerProduct

    /// `[batch, outputs]` from `[batch, inputs]`.
    func apply(_ x: Tensor) -> Tensor {
        let (batch, k, n) = (x.shape[0], base.inputFeatures, base.outputFeatures)
        let input = product.codes(x)
        var sums = [Int32](repeating: 0, count: batch * n)
        Int8GEMM.multiply(m: batch, a: input, lda: k, weights: product.weights, c: &sums, ldc: n)
        var out = [Float](repeating: 0, count: batch * n)
        for j in 0..<n {
            let (correction, rescale, offset) = product.output(j)
            for b in 0..<batch { out[b * n + j] = Float(sums[b * n + j] &- correction) * rescale + offset }
        }
        return Tensor(shape: [batch, n], scalars: out)
    }
}

/// A convolution run on integers, as `IntegerLinear`: each image's input codes lowered to
/// patch rows (the padding holds the code of zero, the zero point, whose products leave with
/// `zp * Σw`) and multiplied by the weight codes on `Int8GEMM`.
struct IntegerConvolution: IntegerLayer {
    let base: Conv2d
    let product: IntegerProduct

    /// `[batch, outputs, outHeight, outWidth]` from `[batch, inputs, height, width]`.
    func apply(_ x: Tensor) -> Tensor {
        let geometry = ConvolutionGeometry(
            channels: x.shape[1], height: x.shape[2], width: x.shape[3], kernelHeight: base.kernelSize,
            kernelWidth: base.kernelSize, stride: base.stride, padding: base.padding)
        let (batch, patch, spatial) = (x.shape[0], geometry.patchSize, geometry.outputHeight * geometry.outputWidth)
        let outChannels = base.outputChannels
        let imageSize = geometry.channels * geometry.height * geometry.width
        let input = product.codes(x)
        let fill = Int8(product.range.zeroPoint)
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
                    Int8GEMM.multiply(
                        m: spatial, a: rows, lda: patch, weights: product.weights, c: &sums, ldc: outChannels)
                    sums.withUnsafeBufferPointer { sums in
                        for o in 0..<outChannels {
                            let (correction, rescale, offset) = product.output(o)
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
