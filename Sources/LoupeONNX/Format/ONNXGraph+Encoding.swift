import Foundation

extension ONNXGraph {
    /// The graph as a `GraphProto`: nodes in order, initializers sorted by name (each under
    /// the name it has in ``initializers``), inputs, outputs and value declarations.
    var proto: ProtoONNX_GraphProto {
        var proto = ProtoONNX_GraphProto()
        proto.name = name
        proto.node = nodes.map(\.proto)
        proto.initializer = initializers.sorted { $0.key < $1.key }.map { name, tensor in
            var tensor = tensor.proto
            tensor.name = name
            return tensor
        }
        proto.input = inputs.map(\.proto)
        proto.output = outputs.map(\.proto)
        proto.valueInfo = valueInfos.map(\.proto)
        return proto
    }
}

extension ONNXNode {
    /// The node as a `NodeProto`, attributes sorted by name.
    var proto: ProtoONNX_NodeProto {
        var proto = ProtoONNX_NodeProto()
        proto.name = name
        proto.opType = opType
        if !domain.isEmpty { proto.domain = domain }
        proto.input = inputs
        proto.output = outputs
        proto.attribute = attributes.sorted { $0.key < $1.key }.map { $1.proto(named: $0) }
        return proto
    }
}

extension ONNXAttribute {
    /// The attribute as an `AttributeProto` called `name`, its `type` set.
    func proto(named name: String) -> ProtoONNX_AttributeProto {
        var proto = ProtoONNX_AttributeProto()
        proto.name = name
        switch self {
        case .float(let value):
            proto.type = .float
            proto.f = value
        case .int(let value):
            proto.type = .int
            proto.i = Int64(value)
        case .string(let value):
            proto.type = .string
            proto.s = Data(value.utf8)
        case .tensor(let value):
            proto.type = .tensor
            proto.t = value.proto
        case .floats(let values):
            proto.type = .floats
            proto.floats = values
        case .ints(let values):
            proto.type = .ints
            proto.ints = values.map { Int64($0) }
        case .strings(let values):
            proto.type = .strings
            proto.strings = values.map { Data($0.utf8) }
        }
        return proto
    }
}

extension ONNXValueInfo {
    /// The declaration as a `ValueInfoProto`: a tensor type when it has an element type or a
    /// shape; a `.symbolic("")` dimension is written with neither a value nor a name.
    var proto: ProtoONNX_ValueInfoProto {
        var proto = ProtoONNX_ValueInfoProto()
        proto.name = name
        guard elementType != nil || shape != nil else { return proto }
        var type = ProtoONNX_TypeProto.Tensor()
        if let elementType { type.elemType = Int32(elementType.rawValue) }
        if let shape {
            var protoShape = ProtoONNX_TensorShapeProto()
            protoShape.dim = shape.map { dimension in
                var proto = ProtoONNX_TensorShapeProto.Dimension()
                switch dimension {
                case .fixed(let value): proto.dimValue = Int64(value)
                case .symbolic(let name) where !name.isEmpty: proto.dimParam = name
                case .symbolic: break
                }
                return proto
            }
            type.shape = protoShape
        }
        proto.type.tensorType = type
        return proto
    }
}
