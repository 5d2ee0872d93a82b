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

    /// Applies the layers in order. Unless the tape overrides ReLU's backward rule (as guided
    /// backpropagation does), a convolution followed by ReLU and 2 x 2 max pooling runs as
    /// one operation image by image, any other ReLU followed by max pooling as one pass, and a
    /// linear layer followed by ReLU as one operation: the same values and gradients, without
    /// the full-size intermediate tensors.
    public func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        let fusesReLU = context.tape.backwardOverrides[.relu] == nil
        var x = input
        var index = 0
        while index < layers.count {
            if fusesReLU, index + 2 < layers.count, let convolution = layers[index] as? Conv2d,
                let activation = layers[index + 1] as? Activation, activation.function == .relu,
                let pool = layers[index + 2] as? MaxPool2d, pool.kernelSize == 2, pool.stride == 2,
                let fused = convolution.reluMaxPooled(x, &context)
            {
                x = fused
                index += 3
                continue
            }
            if fusesReLU, index + 1 < layers.count, let activation = layers[index] as? Activation,
                activation.function == .relu, let pool = layers[index + 1] as? MaxPool2d
            {
                x = x.reluMaxPool2d(kernel: pool.kernelSize, stride: pool.stride)
                index += 2
                continue
            }
            if fusesReLU, index + 1 < layers.count, let linear = layers[index] as? Linear,
                let activation = layers[index + 1] as? Activation, activation.function == .relu
            {
                x = linear.rectified(x, &context)
                index += 2
                continue
            }
            x = layers[index](x, &context)
            index += 1
        }
        return x
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
