import LoupeTensor

/// Layers applied one after another.
public struct Sequential: Layer {
    public var layers: [any Layer]

    public init(_ layers: [any Layer]) { self.layers = layers }

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
    /// and gradients, without the full-size intermediate tensors. In inference, where nothing
    /// needs a gradient, a convolution followed by batch norm (and ReLU) runs as one operation
    /// that normalises each output as it is written (`Conv2d.normalized`): the same values.
    /// Fusion is decided here and, for the residual sum that closes a block, in
    /// `ResidualBlock`; layers themselves never look at their neighbours.
    public func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        let fuses = context.tape.fusesReLU
        var x = input
        var index = 0
        func isReLU(_ offset: Int) -> Bool {
            index + offset < layers.count && (layers[index + offset] as? Activation)?.function == .relu
        }
        func pool(_ offset: Int) -> MaxPool2d? {
            index + offset < layers.count ? layers[index + offset] as? MaxPool2d : nil
        }
        while index < layers.count {
            if let convolution = layers[index] as? Conv2d, index + 1 < layers.count,
                let norm = layers[index + 1] as? BatchNorm,
                let y = convolution.normalized(x, by: norm, rectify: fuses && isReLU(2), &context)
            {
                x = y
                index += fuses && isReLU(2) ? 3 : 2
            } else if fuses, let layer = layers[index] as? any ReLUMaxPoolFusible, isReLU(1),
                let pool = pool(2), pool.kernelSize == 2, pool.stride == 2
            {
                x = layer.rectifiedMaxPooled2x2(x, &context)
                index += 3
            } else if fuses, isReLU(0), let pool = pool(1) {
                x = x.reluMaxPool2d(kernel: pool.kernelSize, stride: pool.stride)
                index += 2
            } else if fuses, let layer = layers[index] as? any ReLUFusible, isReLU(1) {
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
