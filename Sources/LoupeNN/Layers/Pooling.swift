import LoupeTensor

/// Max pooling over square windows (stride defaults to the window size).
public struct MaxPool2d: Layer {
    public var kernelSize: Int
    public var stride: Int

    public init(kernelSize: Int, stride: Int? = nil) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
    }

    public func outputShape(for input: [Int]) throws(ModelError) -> [Int] {
        try pooledShape(input, kernelSize: kernelSize, stride: stride, layer: "maxPool2d")
    }

    public func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        input.maxPool2d(kernel: kernelSize, stride: stride)
    }

    public var description: LayerDescription { .maxPool2d(kernelSize: kernelSize, stride: stride) }
}

/// Average pooling over square windows (stride defaults to the window size).
public struct AvgPool2d: Layer {
    public var kernelSize: Int
    public var stride: Int

    public init(kernelSize: Int, stride: Int? = nil) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
    }

    public func outputShape(for input: [Int]) throws(ModelError) -> [Int] {
        try pooledShape(input, kernelSize: kernelSize, stride: stride, layer: "avgPool2d")
    }

    public func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        input.avgPool2d(kernel: kernelSize, stride: stride)
    }

    public var description: LayerDescription { .avgPool2d(kernelSize: kernelSize, stride: stride) }
}

/// Mean over all spatial positions: `(C, H, W)` to `(C)`.
public struct GlobalAvgPool: Layer {
    public init() {}

    public func outputShape(for input: [Int]) throws(ModelError) -> [Int] {
        guard input.count == 3 else { throw ModelError("globalAvgPool expects (C, H, W), got shape \(input)") }
        return [input[0]]
    }

    public func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        input.globalAvgPool()
    }

    public var description: LayerDescription { .globalAvgPool }
}

func pooledShape(_ input: [Int], kernelSize: Int, stride: Int, layer: String) throws(ModelError) -> [Int] {
    guard input.count == 3, kernelSize > 0, stride > 0 else {
        throw ModelError("\(layer) expects (C, H, W) and positive sizes, got shape \(input)")
    }
    let h = (input[1] - kernelSize) / stride + 1
    let w = (input[2] - kernelSize) / stride + 1
    guard input[1] >= kernelSize, input[2] >= kernelSize else {
        throw ModelError("\(layer): \(kernelSize)x\(kernelSize) window does not fit input \(input)")
    }
    return [input[0], h, w]
}
