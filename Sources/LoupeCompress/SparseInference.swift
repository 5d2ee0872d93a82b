import Foundation
import LoupeKernels
import LoupeNN
import LoupeTensor

/// Inference that runs every linear layer of a model as a sparse product (`SparseMatrix`), so
/// that pruned weights cost no time: the work of a linear layer is one multiply-add per
/// nonzero weight and example, instead of one per weight and example.
///
/// Between consecutive linear layers the activations stay feature-major (`FeatureMajorBatch`),
/// so the batch is transposed once on the way in and once on the way out; a ReLU directly
/// after a linear layer is fused into its product. Other layers (convolutions, pooling, batch
/// norm, residual blocks) run densely through the model's own layers, in inference mode.
public struct SparseInference: Sendable {
    /// One step of the forward pass.
    enum Stage: Sendable {
        case linear(name: String, weight: SparseMatrix, bias: [Float]?, rectify: Bool)
        case activation(Activation.Function)
        case flatten
        case dense(any Layer)
    }

    /// The model whose parameters the sparse matrices were built from (dense layers read it).
    public let model: Model
    let stages: [Stage]

    /// Builds the sparse matrices of `model`'s linear layers from its weights, dropping exact
    /// zeros (prune the model first, e.g. with `magnitudePruned(_:sparsity:)`).
    public init(model: Model) {
        self.model = model
        var stages: [Stage] = []
        func append(_ layer: any Layer) {
            switch layer {
            case let sequential as Sequential:
                for inner in sequential.layers { append(inner) }
            case let linear as Linear:
                let weight = model.parameters["\(linear.name).weight"]!
                stages.append(
                    .linear(
                        name: linear.name,
                        weight: SparseMatrix(
                            dense: weight.scalars, rows: linear.outputFeatures, columns: linear.inputFeatures),
                        bias: linear.hasBias ? model.parameters["\(linear.name).bias"]!.scalars : nil, rectify: false))
            case let activation as Activation:
                if activation.function == .relu, case .linear(let name, let weight, let bias, false)? = stages.last {
                    stages[stages.count - 1] = .linear(name: name, weight: weight, bias: bias, rectify: true)
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

    /// The sparse weight matrix of each linear layer, by layer name, in forward order.
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
