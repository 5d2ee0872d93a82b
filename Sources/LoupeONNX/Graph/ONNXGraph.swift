/// A computation graph: nodes in an order where every input is produced before it is used.
///
/// A value is named by a string: a graph input, an initializer (a constant tensor) or a node
/// output. The empty name stands for an omitted optional input.
public struct ONNXGraph: Equatable, Sendable {
    public var name: String
    /// The nodes, sorted so that every node comes after the producers of its inputs.
    public var nodes: [ONNXNode]
    /// Constant tensors by name (weights, biases, shape constants).
    public var initializers: [String: ONNXTensor]
    /// The graph's inputs that are not initializers: what a caller feeds.
    public var inputs: [ONNXValueInfo]
    public var outputs: [ONNXValueInfo]
    /// The types and shapes the file declares for other values (`GraphProto.value_info`, as
    /// exporters record intermediate results), in file order; empty when it declares none.
    public var valueInfos: [ONNXValueInfo] = []

    public init(
        name: String, nodes: [ONNXNode], initializers: [String: ONNXTensor], inputs: [ONNXValueInfo],
        outputs: [ONNXValueInfo]
    ) {
        self.name = name
        self.nodes = nodes
        self.initializers = initializers
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// A named value with its element type and shape, as a graph declares its inputs and outputs.
public struct ONNXValueInfo: Equatable, Sendable {
    public var name: String
    public var elementType: ONNXDataType?
    /// The dimensions, or nil when the file does not give a shape.
    public var shape: [ONNXDimension]?

    public init(name: String, elementType: ONNXDataType? = .float, shape: [ONNXDimension]?) {
        self.name = name
        self.elementType = elementType
        self.shape = shape
    }
}

/// One dimension of a declared shape: a number, or a name such as `batch` or `s0`.
public enum ONNXDimension: Equatable, Sendable {
    case fixed(Int)
    case symbolic(String)
}
