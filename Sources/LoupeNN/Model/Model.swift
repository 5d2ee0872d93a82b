import LoupeData
import LoupeRandom
import LoupeSupport
import LoupeTensor

/// A network with its parameters and buffers: what training produces and checkpoints store.
public struct Model: Sendable {
    public let architecture: Architecture
    /// The layers that run: `architecture` built, with any layers substituted by
    /// `rewritingLayers(where:with:)`.
    public let network: Sequential
    /// Parameter names in a stable order (the order of the layers).
    public let parameterNames: [String]
    /// Trainable tensors by name (`conv1.weight`, `fc2.bias`, ...). Each carries a cache of
    /// its packed forms, so that products pack a weight once per update rather than once per
    /// batch and thread.
    public var parameters: [String: Tensor] {
        didSet { enablePackedOperandCaches() }
    }
    /// Non-trainable state by name (`bn1.running_mean`, ...).
    public var buffers: [String: Tensor]
    /// Output shape of the network: `[classes]`.
    public let outputShape: [Int]
    /// Scalars a forward pass records per example: the input and every layer's output.
    let activationScalarsPerExample: Int
    /// Scalars of the largest activation of one example (the input counts).
    let largestActivationScalars: Int
    /// Multiply-adds of one example's forward pass when the network is fully connected
    /// (`Architecture.isFullyConnected`), else nil.
    let fullyConnectedMultiplyAdds: Int?

    /// A freshly initialised model (PyTorch's default initialisation), seeded.
    public init(architecture: Architecture, seed: UInt64) throws(ModelError) {
        let network = try architecture.build()
        var generator = SeededGenerator(seed: seed)
        func initial(_ spec: ParameterSpec) -> Tensor {
            switch spec.initialization {
            case .constant(let value): return Tensor(repeating: value, shape: spec.shape)
            case .uniform(let bound):
                var values = [Float](repeating: 0, count: spec.shape.reduce(1, *))
                for i in values.indices { values[i] = (generator.nextUniform() * 2 - 1) * bound }
                return Tensor(shape: spec.shape, scalars: values)
            }
        }
        let parameters = Dictionary(uniqueKeysWithValues: network.parameterSpecs.map { ($0.name, initial($0)) })
        let buffers = Dictionary(uniqueKeysWithValues: network.bufferSpecs.map { ($0.name, initial($0)) })
        try self.init(architecture: architecture, parameters: parameters, buffers: buffers)
    }

    /// A model from stored tensors; every tensor must be present with the architecture's shape.
    public init(architecture: Architecture, parameters: [String: Tensor], buffers: [String: Tensor]) throws(ModelError)
    {
        let (network, footprint) = try architecture.built()
        try self.init(
            architecture: architecture, network: network, parameters: parameters, buffers: buffers,
            activationScalarsPerExample: footprint.totalActivation,
            largestActivationScalars: footprint.largestActivation)
    }

    /// A model running `network`, which must take `architecture`'s input and have a tensor of
    /// the right shape for each of its parameters and buffers.
    init(
        architecture: Architecture, network: Sequential, parameters: [String: Tensor], buffers: [String: Tensor],
        activationScalarsPerExample: Int, largestActivationScalars: Int
    ) throws(ModelError) {
        for spec in network.parameterSpecs + network.bufferSpecs {
            guard let tensor = parameters[spec.name] ?? buffers[spec.name] else {
                throw ModelError("tensor \(spec.name) missing for architecture \(architecture.name)")
            }
            guard tensor.shape == spec.shape else {
                throw ModelError(
                    "tensor \(spec.name) has shape \(tensor.shape), architecture \(architecture.name) needs \(spec.shape)"
                )
            }
        }
        self.architecture = architecture
        self.network = network
        self.parameterNames = network.parameterSpecs.map(\.name)
        self.parameters = parameters.filter { name, _ in network.parameterSpecs.contains { $0.name == name } }
        self.buffers = buffers.filter { name, _ in network.bufferSpecs.contains { $0.name == name } }
        self.outputShape = try network.outputShape(for: architecture.inputShape)
        self.activationScalarsPerExample = activationScalarsPerExample
        self.largestActivationScalars = largestActivationScalars
        fullyConnectedMultiplyAdds =
            architecture.isFullyConnected ? network.forwardFLOPs(for: architecture.inputShape) / 2 : nil
        enablePackedOperandCaches()
    }

    private mutating func enablePackedOperandCaches() {
        for (name, tensor) in parameters where tensor.packedOperands == nil {
            parameters[name]!.enablePackedOperandCache()
        }
    }

    /// Number of classes the model predicts.
    public var classCount: Int { outputShape.reduce(1, *) }

    /// Total trainable scalars.
    public var parameterCount: Int { parameters.values.reduce(0) { $0 + $1.count } }

    /// Roles of the parameters, by name.
    public var parameterRoles: [String: ParameterRole] {
        Dictionary(uniqueKeysWithValues: network.parameterSpecs.map { ($0.name, $0.role) })
    }

    /// Binds the parameters to a tape and prepares a forward pass.
    public func makeContext(
        tape: Tape, isTraining: Bool, trainable: Bool = true, generator: SeededGenerator = SeededGenerator(seed: 0)
    ) -> ForwardContext {
        let bound = parameters.mapValues { tape.variable($0, requiresGradient: trainable) }
        return ForwardContext(
            tape: tape, isTraining: isTraining, parameters: bound, buffers: buffers, generator: generator)
    }

    /// Runs the network on `input` of shape `[batch] + inputShape`.
    public func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        precondition(
            Array(input.shape.dropFirst()) == architecture.inputShape,
            "input shape \(input.shape) does not fit \(architecture.inputShape)")
        return network(input, &context)
    }

    /// The parameter variables of a context, in `parameterNames` order.
    public func parameterVariables(in context: ForwardContext) -> [Variable] {
        parameterNames.map { context.parameter($0) }
    }

    /// Folds the batch statistics recorded by a training-mode forward pass into the running
    /// statistics of the batch norm layers.
    public mutating func updateRunningStatistics(from context: ForwardContext) {
        for layer in network.batchNormLayers {
            if let statistics = context.batchStatistics[layer.name] {
                layer.updatedBuffers(&buffers, with: statistics)
            }
        }
    }

    /// Logits `[batch, classes]` in inference mode, `imagesPerPass` images at a time (by
    /// default `imagesPerInferencePass`). An example's logits do not depend on the others in
    /// its batch, so they do not depend on the passes either.
    public func logits(_ images: Tensor, imagesPerPass: Int? = nil) -> Tensor {
        logits(images, imagesPerPass: imagesPerPass, operationThreads: 1)
    }

    /// `logits(_:imagesPerPass:)` with each operation of a pass allowed `operationThreads`.
    private func logits(_ images: Tensor, imagesPerPass: Int?, operationThreads: Int) -> Tensor {
        let count = images.shape[0]
        let perPass = max(1, imagesPerPass ?? imagesPerInferencePass)
        guard count > perPass else { return forwardPass(images, operationThreads: operationThreads) }
        let passes = Parallel.ranges(count: count, parts: (count + perPass - 1) / perPass)
        return Tensor.concatenating(
            passes.map {
                var part = images.slice($0)
                defer { TensorStoragePool.shared.recycle(&part) }
                return forwardPass(part, operationThreads: operationThreads)
            })
    }

    private func forwardPass(_ images: Tensor, operationThreads: Int) -> Tensor {
        let tape = Tape()
        var context = makeContext(tape: tape, isTraining: false, trainable: false)
        context.operationThreads = operationThreads
        return self(tape.constant(images), &context).value
    }

    /// Images per inference forward pass: as many as keep a pass's largest activation within
    /// `inferencePassBytes`, and at least 16. A layer's output is then still in cache when the
    /// next layer reads it: `resnet-mini` on 32 x 32 images (64 KB per image in its first
    /// stage, so 16 images) runs 13-15% faster in passes of 32 than in one of 128, and the
    /// `cnn` (98 KB, also 16) the same at every size from 16 (`loupe-bench --inference-passes`,
    /// BENCHMARKS.md). The floor of 16 keeps a model whose input is very wide from running an
    /// image or two at a time.
    ///
    /// A pass keeps every layer's output until it ends, so a pass that would hold more than
    /// 64 MiB also takes no more images than the memory budget holds (a model of thousands of
    /// layers would otherwise hold gigabytes). Smaller passes, every built-in model's, do not
    /// read the budget: at batch 1 even reading it costs a few percent.
    public var imagesPerInferencePass: Int {
        let forCache = max(16, Self.inferencePassBytes / max(1, largestActivationScalars * MemoryLayout<Float>.size))
        let bytesPerImage = CheckedSize.product(activationScalarsPerExample, MemoryLayout<Float>.size) ?? .max
        guard (CheckedSize.product(forCache, bytesPerImage) ?? .max) > 64 << 20 else { return forCache }
        return min(forCache, max(1, MemoryBudget.current.bytes / max(1, bytesPerImage)))
    }

    /// The activation bytes an inference pass aims at: 1 MB. On Zen 5 (1 MB of L2 per core)
    /// `resnet-mini` ran alike in passes of 8 to 32 images (0.5 to 2 MB) and slower from 48
    /// on; on Zen 2 (512 KB of L2 per core) 2.5% faster in passes of 16 than of 32
    /// (`loupe-bench --inference-passes`).
    static let inferencePassBytes = 1 << 20

    /// Logits for a batch split into contiguous shards across `threads` threads; the result
    /// does not depend on the thread count.
    ///
    /// A small network of fully connected layers only (`splitsProducts`) is not sharded: its
    /// passes run one at a time, each large product split by rows across the threads, so no
    /// shard of the batch is copied out and a pass's fixed cost (a few microseconds) is paid
    /// once.
    public func logits(_ images: Tensor, threads: Int) -> Tensor {
        logits(images, threads: threads, splittingProducts: splitsProducts(images: images.shape[0], threads: threads))
    }

    /// `logits(_:threads:)` with the way of using the threads given (benchmarks compare the
    /// two): with `splittingProducts`, passes one at a time, each fully connected layer's
    /// product split by rows; otherwise one shard of the batch per thread. The same values.
    package func logits(_ images: Tensor, threads: Int, splittingProducts: Bool) -> Tensor {
        if splittingProducts && threads > 1 {
            return logits(images, imagesPerPass: nil, operationThreads: threads)
        }
        let shards = Parallel.ranges(count: images.shape[0], parts: threads)
        if shards.count <= 1 { return logits(images) }
        return Tensor.concatenating(
            Parallel.map(count: shards.count, threads: threads) {
                var shard = images.slice(shards[$0])
                defer { TensorStoragePool.shared.recycle(&shard) }
                return logits(shard)
            })
    }

    /// Whether `logits(_:threads:)` splits the products of a fully connected network rather
    /// than its batch: when each thread's share of the batch is under 2^22 multiply-adds.
    /// `Benchmarks/product-split.sh` (batch 128, 2 threads, three runs on a Zen 5): splitting
    /// ran 1.18-1.55x sharding for a 784-32-16-10 network (1.6 M multiply-adds a thread) and
    /// 0.90-0.98x for 784-256-128-10 (15 M), where every layer's split hands its rows between
    /// cores; in between (3.4 M and 7 M) the two were within this machine's noise
    /// (0.92-1.11x).
    package func splitsProducts(images: Int, threads: Int) -> Bool {
        guard threads > 1, let perExample = fullyConnectedMultiplyAdds else { return false }
        return Double(perExample) * Double(images) / Double(threads) < Double(1 << 22)
    }

    /// Logits of every example of `dataset`, in order (`[examples, classes]`), computed in
    /// batches of 256 on up to `threads` threads.
    public func logits(of dataset: Dataset, threads: Int = 1) -> Tensor {
        let ranges = Parallel.ranges(count: dataset.count, parts: threads)
        let parts = Parallel.map(count: ranges.count, threads: threads) { part -> [Float] in
            let range = ranges[part]
            var scalars: [Float] = []
            for start in stride(from: range.lowerBound, to: range.upperBound, by: 256) {
                scalars += logits(dataset.images(at: Array(start..<min(start + 256, range.upperBound)))).scalars
            }
            return scalars
        }
        return Tensor(shape: [dataset.count, classCount], scalars: parts.flatMap { $0 })
    }

    /// GraNd: the Euclidean norm of each example's own cross-entropy gradient with respect to
    /// every parameter, in inference mode (no dropout; batch norm uses running statistics),
    /// one example at a time on up to `threads` threads.
    public func parameterGradientNorms(_ images: Tensor, labels: [Int32], threads: Int = 1) -> [Double] {
        Parallel.map(count: labels.count, threads: threads) { index in
            let tape = Tape()
            var context = makeContext(tape: tape, isTraining: false, trainable: true)
            let loss = self(tape.constant(images.slice(index..<(index + 1))), &context)
                .crossEntropy(labels: [labels[index]])
            let gradients = tape.gradients(of: loss)
            var total = 0.0
            for variable in parameterVariables(in: context) {
                for g in gradients[variable]!.scalars { total += Double(g) * Double(g) }
            }
            return total.squareRoot()
        }
    }

    /// Forward FLOPs per example for each top-level layer, with backward taken as twice the
    /// forward (one product for the input gradient, one for the weight gradient).
    public var flopsPerLayer: [(layer: String, forward: Int, backward: Int)] {
        network.perLayerFLOPs(for: architecture.inputShape).map { ($0.label, $0.flops, 2 * $0.flops) }
    }
}
