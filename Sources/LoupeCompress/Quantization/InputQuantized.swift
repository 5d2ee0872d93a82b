import LoupeNN
import LoupeTensor

/// An int8 grid for a layer's input, `real = scale * (q - zeroPoint)` with `q` in -128...127,
/// calibrated on a representative set (`int8Full`).
public struct ActivationRange: Sendable, Equatable {
    public var scale: Float
    public var zeroPoint: Int

    public init(scale: Float, zeroPoint: Int) {
        self.scale = scale
        self.zeroPoint = zeroPoint
    }

    /// The code of `value`: `clamp(round(value / scale) + zeroPoint, -128, 127)`, as a Float.
    func code(_ value: Float) -> Float {
        min(max((value / scale).rounded(.toNearestOrEven) + Float(zeroPoint), -128), 127)
    }

    /// `value` rounded to the grid: what integer inference computes with.
    func rounded(_ value: Float) -> Float { scale * (code(value) - Float(zeroPoint)) }
}

/// A linear or convolution layer whose input is first rounded to its int8 grid: `int8Full`
/// quantization simulated in float, substituted for the layer with
/// `Model.rewritingLayers(where:with:)`. Inference only (the rounded input is recorded as a
/// constant). It runs fused with a following ReLU (and pooling) as the layer it wraps does,
/// and has the wrapped layer's parameters and description, so it is stored as that layer.
public struct InputQuantized<Base: Layer>: Layer {
    public var base: Base
    public var range: ActivationRange

    public init(_ base: Base, range: ActivationRange) {
        self.base = base
        self.range = range
    }

    func quantized(_ input: Variable, _ context: ForwardContext) -> Variable {
        context.tape.constant(input.value.map(range.rounded))
    }

    /// Runs the base layer with its products rounding as the lowered forms do: the next
    /// layer rounds them to its grid, as integer inference does with exact sums, and
    /// Winograd's other rounding would move some values across a grid step.
    func exactly(_ context: inout ForwardContext, _ body: (inout ForwardContext) -> Variable) -> Variable {
        let allowed = context.allowsWinograd
        context.allowsWinograd = false
        defer { context.allowsWinograd = allowed }
        return body(&context)
    }

    public var parameterSpecs: [ParameterSpec] { base.parameterSpecs }
    public var bufferSpecs: [ParameterSpec] { base.bufferSpecs }
    public func outputShape(for input: [Int]) throws(ModelError) -> [Int] { try base.outputShape(for: input) }
    public func forwardFLOPs(for input: [Int]) -> Int { base.forwardFLOPs(for: input) }
    public var description: LayerDescription { base.description }

    public func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        exactly(&context) { base(quantized(input, $0), &$0) }
    }
}

extension InputQuantized: ReLUFusible where Base: ReLUFusible {
    package func rectified(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        exactly(&context) { base.rectified(quantized(input, $0), &$0) }
    }
}

extension InputQuantized: ReLUMaxPoolFusible where Base: ReLUMaxPoolFusible {
    package func rectifiedMaxPooled2x2(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        exactly(&context) { base.rectifiedMaxPooled2x2(quantized(input, $0), &$0) }
    }
}

/// A linear or convolution layer that shows its input to `observe`, with the layer's name,
/// before using it unchanged: how quantization calibrates the input ranges.
struct InputObserved<Base: Layer>: Layer {
    var base: Base
    var name: String
    var observe: @Sendable (_ layer: String, _ input: Tensor) -> Void

    var parameterSpecs: [ParameterSpec] { base.parameterSpecs }
    var bufferSpecs: [ParameterSpec] { base.bufferSpecs }
    func outputShape(for input: [Int]) throws(ModelError) -> [Int] { try base.outputShape(for: input) }
    func forwardFLOPs(for input: [Int]) -> Int { base.forwardFLOPs(for: input) }
    var description: LayerDescription { base.description }

    func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        observe(name, input.value)
        return base(input, &context)
    }
}

extension InputObserved: ReLUFusible where Base: ReLUFusible {
    func rectified(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        observe(name, input.value)
        return base.rectified(input, &context)
    }
}

extension InputObserved: ReLUMaxPoolFusible where Base: ReLUMaxPoolFusible {
    func rectifiedMaxPooled2x2(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        observe(name, input.value)
        return base.rectifiedMaxPooled2x2(input, &context)
    }
}

extension Model {
    /// This model with each linear and convolution layer wrapped: by `InputObserved` when
    /// `observe` is given, else, if `ranges` has the layer's input range, by `InputQuantized`.
    func wrappingLayerInputs(
        ranges: [String: ActivationRange] = [:], observe: (@Sendable (String, Tensor) -> Void)? = nil
    ) -> Model {
        func name(_ layer: any Layer) -> String? { (layer as? Linear)?.name ?? (layer as? Conv2d)?.name }
        func wrapped<Base: Layer>(_ layer: Base, _ name: String) -> any Layer {
            if let observe { return InputObserved(base: layer, name: name, observe: observe) }
            return InputQuantized(layer, range: ranges[name]!)
        }
        // Parameters, buffers and shapes are the wrapped layers' own: the rewrite cannot fail.
        return try! rewritingLayers(
            where: { name($0).map { observe != nil || ranges[$0] != nil } ?? false },
            with: {
                switch $0 {
                case let linear as Linear: wrapped(linear, linear.name)
                case let convolution as Conv2d: wrapped(convolution, convolution.name)
                default: $0
                }
            })
    }
}
