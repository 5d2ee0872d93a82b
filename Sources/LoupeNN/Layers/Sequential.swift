import LoupeTensor

/// Layers applied one after another.
public struct Sequential: Layer {
    public var layers: [any Layer] {
        didSet { roles = layers.map(FusionRole.init) }
    }
    /// What each layer can take part in when fusing, found once rather than by dynamic casts
    /// in every forward pass (a fifth of a small model's pass at batch 1).
    private var roles: [FusionRole]

    public init(_ layers: [any Layer]) {
        self.layers = layers
        roles = layers.map(FusionRole.init)
    }

    public var parameterSpecs: [ParameterSpec] { layers.flatMap(\.parameterSpecs) }
    public var bufferSpecs: [ParameterSpec] { layers.flatMap(\.bufferSpecs) }

    public func outputShape(for input: [Int]) throws(ModelError) -> [Int] {
        var shape = input
        for layer in layers { shape = try layer.outputShape(for: shape) }
        return shape
    }

    public func forwardFLOPs(for input: [Int]) -> Int {
        perLayerFLOPs(for: input).reduce(0) { $0 + $1.flops }
    }

    /// Each layer's forward FLOPs for one example, with a readable label.
    public func perLayerFLOPs(for input: [Int]) -> [(label: String, flops: Int)] {
        var shape = input
        var result: [(String, Int)] = []
        for layer in layers {
            result.append((layer.description.label, layer.forwardFLOPs(for: shape)))
            shape = (try? layer.outputShape(for: shape)) ?? shape
        }
        return result
    }

    /// Applies the layers in order, fusing where the tape allows it (`Tape.fusesReLU`: not
    /// when ReLU's backward rule is overridden, as guided backpropagation does): a layer that
    /// is `ReLUMaxPoolFusible` (a convolution) followed by ReLU and 2 x 2 max pooling runs as
    /// one operation image by image, any other ReLU followed by max pooling as one pass, and a
    /// `ReLUFusible` layer (a linear layer, a batch norm) followed by ReLU as one operation: the same values
    /// and gradients, without the full-size intermediate tensors. Unfused, a convolution
    /// before ReLU and 2 x 2 max pooling still computes its outputs as the fused operation
    /// does (`Conv2d.pooledBy2x2`). In inference, where nothing
    /// needs a gradient, a convolution followed by batch norm (and ReLU) runs as one operation
    /// that normalises each output as it is written (`Conv2d.normalized`): the same values.
    /// Fusion is decided here and, for the residual sum that closes a block, in
    /// `ResidualBlock`; layers themselves never look at their neighbours.
    public func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        let fuses = context.tape.fusesReLU
        var x = input
        var index = 0
        func isReLU(_ offset: Int) -> Bool { index + offset < roles.count && roles[index + offset].isReLU }
        func pool(_ offset: Int) -> MaxPool2d? { index + offset < roles.count ? roles[index + offset].pool : nil }
        while index < layers.count {
            let role = roles[index]
            if let convolution = role.convolution, index + 1 < layers.count,
                let norm = roles[index + 1].norm,
                let y = convolution.normalized(x, by: norm, rectify: fuses && isReLU(2), &context)
            {
                x = y
                index += fuses && isReLU(2) ? 3 : 2
            } else if fuses, let layer = role.reluMaxPoolFusible, isReLU(1),
                let pool = pool(2), pool.kernelSize == 2, pool.stride == 2
            {
                x = layer.rectifiedMaxPooled2x2(x, &context)
                index += 3
            } else if !fuses, let convolution = role.convolution, isReLU(1),
                let pool = pool(2), pool.kernelSize == 2, pool.stride == 2
            {
                // The three layers one by one, the convolution in the form the fused operation
                // takes: Winograd's tiles, where it takes them, the pooling windows.
                x = convolution.pooledBy2x2(x, &context)
                index += 1
            } else if fuses, isReLU(0), let pool = pool(1) {
                x = x.reluMaxPool2d(kernel: pool.kernelSize, stride: pool.stride)
                index += 2
            } else if fuses, let layer = role.reluFusible, isReLU(1) {
                x = layer.rectified(x, &context)
                index += 2
            } else {
                x = layers[index](x, &context)
                index += 1
            }
        }
        return x
    }

    public func mappingSublayers(_ transform: (any Layer) -> any Layer) -> any Layer {
        Sequential(layers.map(transform))
    }

    public var description: LayerDescription { .sequential(layers.map(\.description)) }

    /// Every batch norm layer, including those nested in residual blocks.
    var batchNormLayers: [BatchNorm] {
        layers.flatMap { layer -> [BatchNorm] in
            switch layer {
            case let norm as BatchNorm: [norm]
            case let sequential as Sequential: sequential.batchNormLayers
            case let block as ResidualBlock: block.body.batchNormLayers + (block.shortcut?.batchNormLayers ?? [])
            default: []
            }
        }
    }
}

/// A layer as `Sequential` fuses it: the kinds its neighbours look for.
private struct FusionRole {
    let convolution: Conv2d?
    let norm: BatchNorm?
    let pool: MaxPool2d?
    let isReLU: Bool
    let reluMaxPoolFusible: (any ReLUMaxPoolFusible)?
    let reluFusible: (any ReLUFusible)?

    init(_ layer: any Layer) {
        convolution = layer as? Conv2d
        norm = layer as? BatchNorm
        pool = layer as? MaxPool2d
        isReLU = (layer as? Activation)?.function == .relu
        reluMaxPoolFusible = layer as? any ReLUMaxPoolFusible
        reluFusible = layer as? any ReLUFusible
    }
}
