import Foundation
import LoupeKernels
import LoupeNN
import LoupeTensor

/// Inference that runs every linear and convolution layer of a model as a sparse product
/// (`SparseMatrix`), so that pruned weights cost no time: the work of a linear layer is one
/// multiply-add per nonzero weight and example, instead of one per weight and example, and
/// that of a convolution one per nonzero weight and output position.
///
/// Between consecutive linear layers the activations stay feature-major (`FeatureMajorBatch`),
/// so the batch is transposed once on the way in and once on the way out; a ReLU directly
/// after a linear or convolution layer is fused into its product. A convolution lowers its
/// input (im2col) into a feature-major batch whose lanes are the output positions of a few
/// images at a time, multiplies it by the sparse `[out, in * kH * kW]` weight matrix and
/// writes the result back as `[batch, out, oH, oW]`. Other layers (pooling, batch norm,
/// residual blocks) run densely through the model's own layers, in inference mode.
public struct SparseInference: Sendable {
    /// One step of the forward pass.
    enum Stage: Sendable {
        case linear(name: String, weight: SparseMatrix, bias: [Float]?, rectify: Bool)
        case convolution(layer: Conv2d, weight: SparseMatrix, bias: [Float]?, rectify: Bool)
        case activation(Activation.Function)
        case flatten
        case dense(any Layer)
    }

    /// The model whose parameters the sparse matrices were built from (dense layers read it).
    public let model: Model
    let stages: [Stage]

    /// The density (fraction of nonzero weights) above which a layer runs dense: 0.35, below
    /// which the sparse product wins clearly. Measured with `loupe-bench --lottery` on the
    /// `mlp`'s linear layers (BENCHMARKS.md, "The hardware lottery"): the sparse product runs
    /// at 1.06-1.07x the dense one at density 0.5 and 3.19-3.28x at 0.1; a convolution, whose
    /// input is lowered first, gains less.
    public static let crossoverDensity = 0.35

    /// Builds the sparse matrices of `model`'s linear and convolution layers from their
    /// weights, dropping exact zeros (prune the model first, e.g. with
    /// `magnitudePruned(_:sparsity:)`). A layer denser than `maximumDensity` runs on the dense
    /// kernels instead (as the first layer of a pruned model, kept dense, does).
    public init(model: Model, maximumDensity: Double = crossoverDensity) {
        self.model = model
        var stages: [Stage] = []
        func isSparse(_ weight: Tensor) -> Bool {
            let nonzero = weight.scalars.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
            return Double(nonzero) <= maximumDensity * Double(weight.count)
        }
        func append(_ layer: any Layer) {
            switch layer {
            case let sequential as Sequential:
                for inner in sequential.layers { append(inner) }
            case let linear as Linear where isSparse(model.parameters["\(linear.name).weight"]!):
                let weight = model.parameters["\(linear.name).weight"]!
                stages.append(
                    .linear(
                        name: linear.name,
                        weight: SparseMatrix(
                            dense: weight.scalars, rows: linear.outputFeatures, columns: linear.inputFeatures),
                        bias: linear.hasBias ? model.parameters["\(linear.name).bias"]!.scalars : nil, rectify: false))
            case let conv as Conv2d where isSparse(model.parameters["\(conv.name).weight"]!):
                let weight = model.parameters["\(conv.name).weight"]!
                stages.append(
                    .convolution(
                        layer: conv,
                        weight: SparseMatrix(
                            dense: weight.scalars, rows: conv.outputChannels,
                            columns: conv.inputChannels * conv.kernelSize * conv.kernelSize),
                        bias: conv.hasBias ? model.parameters["\(conv.name).bias"]!.scalars : nil, rectify: false))
            case let activation as Activation:
                if activation.function == .relu, case .linear(let name, let weight, let bias, false)? = stages.last {
                    stages[stages.count - 1] = .linear(name: name, weight: weight, bias: bias, rectify: true)
                } else if activation.function == .relu,
                    case .convolution(let layer, let weight, let bias, false)? = stages.last
                {
                    stages[stages.count - 1] = .convolution(layer: layer, weight: weight, bias: bias, rectify: true)
                } else {
                    stages.append(.activation(activation.function))
                }
            case is Flatten:
                stages.append(.flatten)
            default:
                stages.append(.dense(layer))
            }
        }
        append(model.network)
        self.stages = stages
    }

    /// The sparse weight matrix of each linear layer that runs sparse, by layer name, in
    /// forward order.
    package var linearLayers: [(name: String, weight: SparseMatrix)] {
        stages.compactMap { stage in
            guard case .linear(let name, let weight, _, _) = stage else { return nil }
            return (name, weight)
        }
    }

    /// Multiply-adds per example in the linear layers: as run here (one per nonzero weight)
    /// and as a dense product runs them (one per weight).
    public var linearMultiplyAdds: (sparse: Int, dense: Int) {
        linearLayers.reduce((0, 0)) { ($0.0 + $1.weight.nonzeroCount, $0.1 + $1.weight.rows * $1.weight.columns) }
    }

    /// Logits `[batch, classes]` for `images` of shape `[batch] + inputShape`, equal to
    /// `model.logits(images)` up to floating-point rounding.
    ///
    /// - Parameter threads: threads for each sparse product (its output rows are split); the
    ///   result does not depend on it.
    public func logits(_ images: Tensor, threads: Int = 1, path: KernelPath = .active) -> Tensor {
        precondition(
            Array(images.shape.dropFirst()) == model.architecture.inputShape,
            "input shape \(images.shape) does not fit \(model.architecture.inputShape)")
        let batch = images.shape[0]
        var current = Activations.batchMajor(images)
        var denseContext: (tape: Tape, context: ForwardContext)?
        for stage in stages {
            switch stage {
            case .linear(_, let weight, let bias, let rectify):
                current = .featureMajor(
                    weight.multiply(current.featureMajor(), bias: bias, rectify: rectify, threads: threads, path: path))
            case .convolution(let layer, let weight, let bias, let rectify):
                current = .batchMajor(
                    Self.convolve(
                        current.batchMajor(), layer: layer, weight: weight, bias: bias, rectify: rectify,
                        threads: threads, path: path))
            case .activation(let function):
                current.apply(function)
            case .flatten:
                if case .batchMajor(let tensor) = current {
                    current = .batchMajor(tensor.reshaped([batch, tensor.count / max(batch, 1)]))
                }
            case .dense(let layer):
                if denseContext == nil {
                    let tape = Tape()
                    denseContext = (tape, model.makeContext(tape: tape, isTraining: false, trainable: false))
                }
                let input = denseContext!.tape.constant(current.batchMajor())
                current = .batchMajor(layer(input, &denseContext!.context).value)
            }
        }
        return current.batchMajor()
    }

    /// The convolution `layer` of `images` (`[batch, in, H, W]`) with the sparse `weight`
    /// (`[out, in * kH * kW]`): `[batch, out, oH, oW]`. Images are lowered a few at a time, so
    /// that a product has about 4,096 lanes.
    static func convolve(
        _ images: Tensor, layer: Conv2d, weight: SparseMatrix, bias: [Float]?, rectify: Bool, threads: Int,
        path: KernelPath
    ) -> Tensor {
        let (batch, channels, height, width) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let geometry = ConvolutionGeometry(
            channels: channels, height: height, width: width, kernelHeight: layer.kernelSize,
            kernelWidth: layer.kernelSize, stride: layer.stride, padding: layer.padding)
        let (positions, patch, outputs) = (
            geometry.outputHeight * geometry.outputWidth, geometry.patchSize, weight.rows
        )
        var result = [Float](repeating: 0, count: batch * outputs * positions)
        guard positions > 0 else {
            return Tensor(shape: [batch, outputs, geometry.outputHeight, geometry.outputWidth], scalars: result)
        }
        let imagesPerProduct = max(1, 4096 / positions)
        var lowered = [Float](repeating: 0, count: patch * positions)
        images.withUnsafeBufferPointer { input in
            for first in stride(from: 0, to: batch, by: imagesPerProduct) {
                let count = min(imagesPerProduct, batch - first)
                var columns = FeatureMajorBatch(features: patch, batch: count * positions)
                let stride = columns.laneStride
                lowered.withUnsafeMutableBufferPointer { lowered in
                    columns.withUnsafeMutableBufferPointer { columns in
                        for image in 0..<count {
                            geometry.im2col(
                                input.baseAddress! + (first + image) * channels * height * width,
                                into: lowered.baseAddress!)
                            for row in 0..<patch {
                                (columns.baseAddress! + row * stride + image * positions).update(
                                    from: lowered.baseAddress! + row * positions, count: positions)
                            }
                        }
                    }
                }
                let product = weight.multiply(columns, bias: bias, rectify: rectify, threads: threads, path: path)
                let productStride = product.laneStride
                product.withUnsafeBufferPointer { product in
                    result.withUnsafeMutableBufferPointer { result in
                        for image in 0..<count {
                            for channel in 0..<outputs {
                                (result.baseAddress! + ((first + image) * outputs + channel) * positions).update(
                                    from: product.baseAddress! + channel * productStride + image * positions,
                                    count: positions)
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [batch, outputs, geometry.outputHeight, geometry.outputWidth], scalars: result)
    }
}

/// The activations between stages: batch-major as the dense layers use them, or
/// feature-major as the sparse products use them.
private enum Activations {
    case batchMajor(Tensor)
    case featureMajor(FeatureMajorBatch)

    func batchMajor() -> Tensor {
        switch self {
        case .batchMajor(let tensor): return tensor
        case .featureMajor(let batch):
            return Tensor(shape: [batch.batch, batch.features], scalars: batch.batchMajorScalars())
        }
    }

    func featureMajor() -> FeatureMajorBatch {
        switch self {
        case .featureMajor(let batch): return batch
        case .batchMajor(let tensor):
            let batch = tensor.shape[0]
            let features = tensor.shape.dropFirst().reduce(1, *)
            guard tensor.count > 0 else { return FeatureMajorBatch(features: features, batch: batch) }
            return tensor.withUnsafeBufferPointer { scalars in
                FeatureMajorBatch(batchMajor: scalars.baseAddress!, batch: batch, features: features)
            }
        }
    }

    mutating func apply(_ function: Activation.Function) {
        let transform: (Float) -> Float
        switch function {
        case .relu: transform = { max($0, 0) }
        case .tanh: transform = { Foundation.tanh($0) }
        case .sigmoid: transform = { 1 / (1 + Foundation.exp(-$0)) }
        }
        switch self {
        case .featureMajor(var batch):
            batch.transform(transform)
            self = .featureMajor(batch)
        case .batchMajor(var tensor):
            for i in tensor.scalars.indices { tensor.scalars[i] = transform(tensor.scalars[i]) }
            self = .batchMajor(tensor)
        }
    }
}
