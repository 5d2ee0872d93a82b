import Foundation

extension ONNXNode {
    /// Decodes a `NodeProto` and its attributes; `index` is its place in the file, for errors.
    init(decoding proto: ProtoONNX_NodeProto, index: Int, context: DecodingContext) throws(ONNXError) {
        self.init(
            name: proto.name, opType: proto.opType, domain: proto.domain, inputs: proto.input, outputs: proto.output)
        guard !opType.isEmpty else { throw context.error("node \(index) ('\(proto.name)') has no op_type") }
        for attribute in proto.attribute {
            let what = "attribute '\(attribute.name)' of \(label)"
            guard !attribute.name.isEmpty else { throw context.error("\(label) has an attribute without a name") }
            guard attributes[attribute.name] == nil else { throw context.error("\(what) appears twice") }
            attributes[attribute.name] = try ONNXAttribute(decoding: attribute, what: what, context: context)
        }
    }
}

extension ONNXAttribute {
    /// Decodes an `AttributeProto` of a kind Loupe holds (float, int, string, tensor and their
    /// lists, except tensor lists); `what` names it in errors.
    init(decoding proto: ProtoONNX_AttributeProto, what: String, context: DecodingContext) throws(ONNXError) {
        switch proto.type {
        case .float: self = .float(proto.f)
        case .int: self = .int(Int(proto.i))
        case .string: self = .string(String(decoding: proto.s, as: UTF8.self))
        case .tensor: self = .tensor(try ONNXTensor(decoding: proto.t, what: what, context: context))
        case .floats: self = .floats(proto.floats)
        case .ints: self = .ints(proto.ints.map { Int($0) })
        case .strings: self = .strings(proto.strings.map { String(decoding: $0, as: UTF8.self) })
        case .undefined: throw context.error("\(what) has no type")
        case .graph, .graphs: throw context.error("\(what) is a subgraph, which Loupe does not read")
        case .tensors, .sparseTensor, .sparseTensors, .typeProto, .typeProtos:
            throw context.error("\(what) is of kind \(proto.type), which Loupe does not read")
        }
    }
}
