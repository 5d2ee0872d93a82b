extension ONNXGraph {
    /// Decodes a `GraphProto`: its tensors, value declarations and nodes, then checks its
    /// structure and orders its nodes (see `GraphOrder`).
    init(decoding proto: ProtoONNX_GraphProto, context: DecodingContext) throws(ONNXError) {
        guard proto.node.count <= FormatLimits.maxNodes else {
            throw context.error(
                "the graph has \(proto.node.count) nodes, more than the \(FormatLimits.maxNodes) Loupe reads")
        }
        var initializers: [String: ONNXTensor] = [:]
        for (index, tensor) in proto.initializer.enumerated() {
            guard !tensor.name.isEmpty else { throw context.error("initializer \(index) has no name") }
            guard initializers[tensor.name] == nil else {
                throw context.error("initializer '\(tensor.name)' appears twice")
            }
            initializers[tensor.name] = try ONNXTensor(
                decoding: tensor, what: "initializer '\(tensor.name)'", context: context)
        }
        var inputs: [ONNXValueInfo] = []
        var inputNames: Set<String> = []
        for (index, value) in proto.input.enumerated() {
            let input = try ONNXValueInfo(decoding: value, what: "graph input", index: index, context: context)
            guard inputNames.insert(input.name).inserted else {
                throw context.error("graph input '\(input.name)' is declared twice")
            }
            // Older exporters list every initializer as an input too: those are constants here.
            if initializers[input.name] == nil { inputs.append(input) }
        }
        var outputs: [ONNXValueInfo] = []
        for (index, value) in proto.output.enumerated() {
            outputs.append(try ONNXValueInfo(decoding: value, what: "graph output", index: index, context: context))
        }
        var valueInfos: [ONNXValueInfo] = []
        for (index, value) in proto.valueInfo.enumerated() {
            valueInfos.append(try ONNXValueInfo(decoding: value, what: "value_info", index: index, context: context))
        }
        var nodes: [ONNXNode] = []
        nodes.reserveCapacity(proto.node.count)
        for (index, node) in proto.node.enumerated() {
            nodes.append(try ONNXNode(decoding: node, index: index, context: context))
        }
        let available = inputNames.union(initializers.keys)
        self.init(
            name: proto.name,
            nodes: try GraphOrder.sorted(nodes, available: available, outputs: outputs.map(\.name), context: context),
            initializers: initializers, inputs: inputs, outputs: outputs)
        self.valueInfos = valueInfos
    }
}
