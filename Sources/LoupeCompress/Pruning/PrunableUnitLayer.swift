import LoupeNN

/// One layer whose output units structured pruning may remove (a convolution's filters, a
/// linear layer's hidden units), with every tensor that removing a unit shrinks.
///
/// ``layers(of:)`` finds them: every convolution and linear layer except the classifier (the
/// last one, whose outputs are the classes), provided that its units reach exactly one
/// consumer (the next convolution or linear layer) in the same sequence of layers, through
/// nothing but layers that work channel by channel and keep a zero a zero: ReLU, leaky ReLU,
/// tanh, dropout, max and average pooling, global average pooling, flatten and batch norm (whose
/// scale and shift are then removed with the unit). A unit whose output reaches a residual
/// sum is never removed: in a residual network only the channels made and consumed inside
/// one residual body are prunable (the first convolution of a body, not its last, nor a
/// shortcut's, nor the convolution before a block), since removing a channel of a sum would
/// need the same channel removed from every term. The same holds for a layer whose output
/// leaves a nested `sequential` before its consumer. A sigmoid (which maps 0 to 0.5), a
/// `normalize` layer or any other layer between a unit and its consumer is a
/// ``CompressionError``, not a guess.
public struct PrunableUnitLayer: Equatable, Sendable {
    /// A tensor indexed by a layer's units along one axis, `block` consecutive entries per
    /// unit (1, or `H * W` for the features of a flattened `(C, H, W)` activation: Loupe
    /// flattens channel by channel, so channel `c` is features `c * H * W ..< (c + 1) * H * W`).
    public struct UnitSlices: Equatable, Sendable {
        /// The parameter or buffer name (`conv1.weight`, `bn1.running_mean`).
        public var tensor: String
        /// Entries per unit along the axis.
        public var block: Int
    }

    /// The layer's name (`conv1`, `fc2`).
    public var name: String
    /// Its output units: a convolution's output channels, a linear layer's output features.
    public var unitCount: Int
    /// Its weight (`[out, ...]`), ranked by the L1 norm of each unit's slice.
    public var weight: String
    /// Tensors indexed by the units along their first axis: the layer's weight and bias, and
    /// the parameters and running statistics of the batch norms between it and its consumer.
    public var unitTensors: [UnitSlices]
    /// The consumer's weight, indexed by the units along its input axis (1): a convolution's
    /// `[out, in, kH, kW]` or a linear layer's `[out, in]`.
    public var consumer: UnitSlices

    /// The prunable layers of `architecture`, in layer order (a residual body before its
    /// shortcut).
    ///
    /// - Throws: ``CompressionError`` naming the layer when a unit reaches its consumer through
    ///   a layer that structured pruning cannot shrink or that does not keep zeros.
    public static func layers(of architecture: Architecture) throws(CompressionError) -> [PrunableUnitLayer] {
        let network: Sequential
        do { network = try architecture.build() } catch { throw CompressionError(error.description) }
        var analysis = Analysis(classifier: unitLayers(network.layers).last)
        try analysis.sequence(network.layers, input: architecture.inputShape)
        return analysis.found
    }

    /// The names of the convolution and linear layers, in parameter order.
    private static func unitLayers(_ layers: [any Layer]) -> [String] {
        layers.flatMap { layer -> [String] in
            switch layer {
            case let conv as Conv2d: [conv.name]
            case let linear as Linear: [linear.name]
            case let block as ResidualBlock: unitLayers(block.body.layers) + unitLayers(block.shortcut?.layers ?? [])
            case let nested as Sequential: unitLayers(nested.layers)
            default: []
            }
        }
    }

    private struct Analysis {
        let classifier: String?
        var found: [PrunableUnitLayer] = []

        mutating func sequence(_ layers: [any Layer], input: [Int]) throws(CompressionError) {
            var shapes = [input]  // shapes[i]: the input of layers[i]
            for layer in layers {
                do { shapes.append(try layer.outputShape(for: shapes[shapes.count - 1])) } catch {
                    throw CompressionError(error.description)
                }
            }
            for (index, layer) in layers.enumerated() {
                switch layer {
                case let block as ResidualBlock:
                    try sequence(block.body.layers, input: shapes[index])
                    if let shortcut = block.shortcut { try sequence(shortcut.layers, input: shapes[index]) }
                case let nested as Sequential:
                    try sequence(nested.layers, input: shapes[index])
                case let conv as Conv2d where conv.name != classifier:
                    try producer(
                        conv.name, units: conv.outputChannels, specs: conv.parameterSpecs, at: index, in: layers,
                        shapes: shapes)
                case let linear as Linear where linear.name != classifier:
                    try producer(
                        linear.name, units: linear.outputFeatures, specs: linear.parameterSpecs, at: index, in: layers,
                        shapes: shapes)
                default: break
                }
            }
        }

        /// Follows the units of `layers[index]` to their consumer; records the layer when it
        /// is prunable.
        mutating func producer(
            _ name: String, units: Int, specs: [ParameterSpec], at index: Int, in layers: [any Layer], shapes: [[Int]]
        ) throws(CompressionError) {
            let own = specs.map { UnitSlices(tensor: $0.name, block: 1) }
            var normalizations: [UnitSlices] = []
            var block = 1
            for next in (index + 1)..<layers.count {
                switch layers[next] {
                case let activation as Activation where activation.function == .sigmoid:
                    throw CompressionError(
                        "structured pruning: the units of \(name) pass through a sigmoid, which maps a removed unit's 0 to 0.5; only ReLU, leaky ReLU and tanh keep it 0"
                    )
                case is Activation, is LeakyReLU, is Dropout, is MaxPool2d, is AvgPool2d, is GlobalAvgPool:
                    continue
                case let norm as BatchNorm:
                    normalizations += (norm.parameterSpecs + norm.bufferSpecs).map {
                        UnitSlices(tensor: $0.name, block: block)
                    }
                case is Flatten:
                    block *= shapes[next].dropFirst().reduce(1, *)
                case let conv as Conv2d:
                    found.append(
                        PrunableUnitLayer(
                            name: name, unitCount: units, weight: own[0].tensor, unitTensors: own + normalizations,
                            consumer: UnitSlices(tensor: conv.parameterSpecs[0].name, block: block)))
                    return
                case let linear as Linear:
                    found.append(
                        PrunableUnitLayer(
                            name: name, unitCount: units, weight: own[0].tensor, unitTensors: own + normalizations,
                            consumer: UnitSlices(tensor: linear.parameterSpecs[0].name, block: block)))
                    return
                case is ResidualBlock, is Sequential:
                    return  // the units reach a residual sum or leave through a nested sequence: kept
                default:
                    throw CompressionError(
                        "structured pruning: the units of \(name) pass through a \(layers[next].description.label) layer, which structured pruning cannot shrink"
                    )
                }
            }
            // The end of a residual body or shortcut: the units feed the residual sum; kept.
        }
    }
}
