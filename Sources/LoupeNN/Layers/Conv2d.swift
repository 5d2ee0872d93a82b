import LoupeSupport
import LoupeTensor

/// A 2-D convolution with square kernel, stride and zero padding; weight `[out, in, k, k]`.
public struct Conv2d: ReLUMaxPoolFusible {
    public var name: String
    public var inputChannels: Int
    public var outputChannels: Int
    public var kernelSize: Int
    public var stride: Int
    public var padding: Int
    public var hasBias: Bool

    public init(
        name: String, inputChannels: Int, outputChannels: Int, kernelSize: Int,
        stride: Int = 1, padding: Int = 0, hasBias: Bool = true
    ) {
        self.name = name
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.hasBias = hasBias
    }

    public var parameterSpecs: [ParameterSpec] {
        // The fan-in in Double: exact (so the same Float) for any real layer, and no trap for a
        // described layer too large to build (the architecture refuses it by its size).
        let bound = 1 / Float(Double(inputChannels) * Double(kernelSize) * Double(kernelSize)).squareRoot()
        var specs = [
            ParameterSpec(
                name: "\(name).weight", shape: [outputChannels, inputChannels, kernelSize, kernelSize],
                role: .weight, initialization: .uniform(bound: bound))
        ]
        if hasBias {
            specs.append(
                ParameterSpec(
                    name: "\(name).bias", shape: [outputChannels], role: .bias, initialization: .uniform(bound: bound)))
        }
        return specs
    }

    public func outputShape(for input: [Int]) throws(ModelError) -> [Int] {
        guard input.count == 3, input[0] == inputChannels else {
            throw ModelError("\(name) expects \(inputChannels) input channels (C, H, W), got shape \(input)")
        }
        guard let paddedHeight = CheckedSize.sum([input[1], padding, padding]),
            let paddedWidth = CheckedSize.sum([input[2], padding, padding])
        else {
            throw ModelError(
                "\(name): padding \(padding) of input \(input) is larger than a size can hold", isSizeLimit: true)
        }
        let h = (paddedHeight - kernelSize) / stride + 1
        let w = (paddedWidth - kernelSize) / stride + 1
        guard paddedHeight >= kernelSize, paddedWidth >= kernelSize, h > 0, w > 0 else {
            throw ModelError("\(name): \(kernelSize)x\(kernelSize) kernel does not fit input \(input)")
        }
        return [outputChannels, h, w]
    }

    public func forwardFLOPs(for input: [Int]) -> Int {
        guard let out = try? outputShape(for: input) else { return 0 }
        return CheckedSize.product([2, out[0], out[1], out[2], inputChannels, kernelSize, kernelSize]) ?? .max
    }

    public func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        input.conv2d(
            weight: context.parameter("\(name).weight"), bias: hasBias ? context.parameter("\(name).bias") : nil,
            stride: stride, padding: padding, allowsWinograd: context.allowsWinograd)
    }

    /// The layer where ReLU and 2 x 2 max pooling follow it, unfused: where its convolution
    /// takes Winograd's form, the form whose 2 x 2 tiles are the pooling windows, as the fused
    /// operation computes it (`Variable.conv2dReLUMaxPool2x2`).
    package func pooledBy2x2(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        input.conv2d(
            weight: context.parameter("\(name).weight"), bias: hasBias ? context.parameter("\(name).bias") : nil,
            stride: stride, padding: padding, allowsWinograd: context.allowsWinograd, winogradTileEdge: 2)
    }

    /// The layer followed by ReLU and 2 x 2 max pooling, as one fused operation (see
    /// `Variable.conv2dReLUMaxPool2x2`).
    package func rectifiedMaxPooled2x2(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        input.conv2dReLUMaxPool2x2(
            weight: context.parameter("\(name).weight"), bias: hasBias ? context.parameter("\(name).bias") : nil,
            stride: stride, padding: padding, allowsWinograd: context.allowsWinograd)
    }

    /// The layer followed by `norm` in inference mode (and ReLU, with `rectify`; with a
    /// `residual`, the sum with it before the ReLU) as one operation
    /// (`Variable.conv2dBatchNorm`), or nil where that cannot stand in for them: in training,
    /// or when any of the values would need a gradient.
    package func normalized(
        _ input: Variable, by norm: BatchNorm, rectify: Bool, adding residual: Variable? = nil,
        _ context: inout ForwardContext
    ) -> Variable? {
        guard !context.isTraining else { return nil }
        let (weight, bias) = (context.parameter("\(name).weight"), hasBias ? context.parameter("\(name).bias") : nil)
        let (scale, shift) = (context.parameter("\(norm.name).weight"), context.parameter("\(norm.name).bias"))
        guard ![input, weight, scale, shift].contains(where: \.requiresGradient), bias?.requiresGradient != true,
            residual?.requiresGradient != true
        else {
            return nil
        }
        return input.conv2dBatchNorm(
            weight: weight, bias: bias, stride: stride, padding: padding, scale: scale, shift: shift,
            running: (context.buffer("\(norm.name).running_mean"), context.buffer("\(norm.name).running_var")),
            epsilon: norm.epsilon, rectify: rectify, adding: residual, allowsWinograd: context.allowsWinograd)
    }

    public var description: LayerDescription {
        .conv2d(
            name: name, outputChannels: outputChannels, kernelSize: kernelSize, stride: stride, padding: padding,
            bias: hasBias)
    }
}
