import LoupeTensor

/// `relu(body(x) + shortcut(x))`, where the shortcut is the identity unless given (a 1x1
/// convolution with batch norm, typically, when the body changes the shape).
public struct ResidualBlock: Layer {
    public var body: Sequential
    public var shortcut: Sequential?

    public init(body: Sequential, shortcut: Sequential? = nil) {
        self.body = body
        self.shortcut = shortcut
    }

    public var parameterSpecs: [ParameterSpec] { body.parameterSpecs + (shortcut?.parameterSpecs ?? []) }
    public var bufferSpecs: [ParameterSpec] { body.bufferSpecs + (shortcut?.bufferSpecs ?? []) }

    public func outputShape(for input: [Int]) throws(ModelError) -> [Int] {
        let main = try body.outputShape(for: input)
        let side = try shortcut?.outputShape(for: input) ?? input
        guard main == side else {
            throw ModelError("residual block: body gives \(main) but the shortcut gives \(side)")
        }
        return main
    }

    public func forwardFLOPs(for input: [Int]) -> Int {
        body.forwardFLOPs(for: input) + (shortcut?.forwardFLOPs(for: input) ?? 0) + 2
            * ((try? body.outputShape(for: input))?.reduce(1, *) ?? 0)
    }

    public func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        // In inference, a body ending in convolution + batch norm takes the shortcut into that
        // last operation: the sum and its ReLU in the same pass (`Conv2d.normalized`).
        if !context.isTraining, context.tape.fusesReLU, body.layers.count >= 2,
            let convolution = body.layers[body.layers.count - 2] as? Conv2d,
            let norm = body.layers.last as? BatchNorm
        {
            let side = shortcut.map { $0(input, &context) } ?? input
            let lead = Sequential(Array(body.layers.dropLast(2)))(input, &context)
            if let sum = convolution.normalized(lead, by: norm, rectify: true, adding: side, &context) {
                return sum
            }
            return norm.rectifiedSum(convolution(lead, &context), adding: side, &context)
        }
        // In training (and for gradients), a body ending in batch norm takes the sum and its
        // ReLU into that batch norm's pass: its output is never a tensor of its own.
        if context.tape.fusesReLU, let norm = body.layers.last as? BatchNorm {
            let main = Sequential(Array(body.layers.dropLast()))(input, &context)
            let side = shortcut.map { $0(input, &context) } ?? input
            return norm.rectifiedSum(main, adding: side, &context)
        }
        let main = body(input, &context)
        let side = shortcut.map { $0(input, &context) } ?? input
        // One pass for the sum and its ReLU, unless ReLU's backward rule is overridden.
        return context.tape.fusesReLU ? main.rectifiedSum(side) : (main + side).relu()
    }

    /// The block with the layers of its body and shortcut transformed.
    public func mappingSublayers(_ transform: (any Layer) -> any Layer) -> any Layer {
        ResidualBlock(
            body: Sequential(body.layers.map(transform)),
            shortcut: shortcut.map { Sequential($0.layers.map(transform)) })
    }

    public var description: LayerDescription {
        .residual(body: body.layers.map(\.description), shortcut: shortcut?.layers.map(\.description))
    }
}
