/// One operator application: `outputs = opType(inputs; attributes)`.
public struct ONNXNode: Equatable, Sendable {
    /// The node's name in the file (may be empty: errors then name its first output).
    public var name: String
    public var opType: String
    /// The operator set domain: `""` (or `ai.onnx`) for the standard operators.
    public var domain: String
    /// Value names; `""` for an omitted optional input.
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: ONNXAttribute]

    public init(
        name: String, opType: String, domain: String = "", inputs: [String], outputs: [String],
        attributes: [String: ONNXAttribute] = [:]
    ) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }

    /// How errors name the node: `Conv node 'conv1'` (or its first output when unnamed).
    public var label: String {
        "\(opType) node '\(name.isEmpty ? (outputs.first ?? "") : name)'"
    }
}

/// A node attribute value.
public enum ONNXAttribute: Equatable, Sendable {
    case float(Float)
    case int(Int)
    case string(String)
    case tensor(ONNXTensor)
    case floats([Float])
    case ints([Int])
    case strings([String])
}
