import LoupeNN
import LoupeSupport
import LoupeTensor

/// Turns an ONNX graph into Loupe layers by walking it from the input to the output.
///
/// A chain of nodes becomes a chain of layers. A value used by two nodes opens a residual
/// block: both branches are walked to the `Add` that joins them, which must be followed by a
/// `Relu` (Loupe's block is `relu(body + shortcut)`); the longer branch is the body, the other
/// the shortcut (empty: the identity). Shape arithmetic (`Shape`, `Gather`, `Unsqueeze`,
/// `Concat`, `Constant`) is evaluated when a `Reshape` needs its target. Every node must end up
/// used, so a graph Loupe cannot represent fails with the node that does not fit.
struct GraphConversion {
    let graph: ONNXGraph
    let source: String
    let producer: [String: Int]
    let consumers: [String: [Int]]
    var used = Set<Int>()
    var names = LayerNaming()
    var parameters: [String: Tensor] = [:]
    var buffers: [String: Tensor] = [:]
    var notes: [String] = []
    var folding: ConstantFolding

    /// A value on the path being converted: its name and its per-example shape in ONNX's
    /// layout (`[C, H, W]`, `[C, 1, 1]` after global pooling, `[F]`), and the shape Loupe's
    /// layers give it (`[C]` after global pooling).
    struct Cursor {
        var value: String
        var shape: [Int]
        var layerShape: [Int]
    }

    init(graph: ONNXGraph, source: String) {
        self.graph = graph
        self.source = source
        var producer: [String: Int] = [:]
        var consumers: [String: [Int]] = [:]
        for (index, node) in graph.nodes.enumerated() {
            for output in node.outputs where !output.isEmpty { producer[output] = index }
            for input in Set(node.inputs) where !input.isEmpty { consumers[input, default: []].append(index) }
        }
        self.producer = producer
        self.consumers = consumers
        self.folding = ConstantFolding(graph: graph, producer: producer, source: source)
    }

    func fail(_ node: ONNXNode, _ problem: String) -> ONNXError {
        ONNXError(source, "\(node.label): \(problem)")
    }

    // MARK: Walking

    /// Converts the whole graph: the layers from `input` to the single graph output.
    mutating func convert(input: Cursor) throws(ONNXError) -> (layers: [LayerDescription], output: [Int]) {
        guard let output = graph.outputs.first, graph.outputs.count == 1 else {
            throw ONNXError(source, "the graph has \(graph.outputs.count) outputs; Loupe imports one (the logits)")
        }
        let walked = try walk(from: input, output: output.name)
        if let merge = walked.merge {
            throw fail(graph.nodes[merge], "adds two computed values that do not branch from one value")
        }
        let unused = graph.nodes.indices.filter { !used.contains($0) && !folding.folded.contains($0) }
        if let first = unused.first {
            throw fail(graph.nodes[first], "is not on the path from the input to the output")
        }
        return (walked.layers, walked.end.layerShape)
    }

    /// The nodes using `value` as data (`Shape` reads only its size, `CastLike` only the
    /// element type of its second input).
    private func dataConsumers(of value: String) -> [Int] {
        (consumers[value] ?? []).filter { index in
            let node = graph.nodes[index]
            return node.opType != "Shape" && (node.opType != "CastLike" || node.inputs.first == value)
        }.sorted()
    }

    /// Whether `node` joins two computed values (a residual sum).
    private mutating func isMerge(_ node: ONNXNode) throws(ONNXError) -> Bool {
        guard node.opType == "Add", node.inputs.count == 2 else { return false }
        for input in node.inputs where try folding.constant(input) != nil { return false }
        return true
    }

    /// Converts nodes from `cursor` on until the graph output or a residual sum, which is
    /// returned unconverted for the caller that opened the branch.
    private mutating func walk(from start: Cursor, output: String) throws(ONNXError) -> (
        layers: [LayerDescription], end: Cursor, merge: Int?
    ) {
        var cursor = start
        var layers: [LayerDescription] = []
        while cursor.value != output {
            folding.shapes[cursor.value] = cursor.shape
            let users = dataConsumers(of: cursor.value)
            switch users.count {
            case 0:
                throw ONNXError(source, "value '\(cursor.value)' is not used by any node and is not the graph output")
            case 1:
                if try isMerge(graph.nodes[users[0]]) { return (layers, cursor, users[0]) }
                try convert(users[0], &cursor, &layers, output: output)
            case 2:
                try residual(users, &cursor, &layers, output: output)
            default:
                throw ONNXError(
                    source,
                    "value '\(cursor.value)' feeds \(users.count) nodes; Loupe imports chains and two-way residual blocks"
                )
            }
        }
        return (layers, cursor, nil)
    }

    /// Two branches from `cursor` joined by an `Add` and a `Relu`: one residual block.
    private mutating func residual(
        _ users: [Int], _ cursor: inout Cursor, _ layers: inout [LayerDescription], output: String
    ) throws(ONNXError) {
        var branches: [(layers: [LayerDescription], end: Cursor, merge: Int?)] = []
        for user in users {
            if try isMerge(graph.nodes[user]) {
                branches.append(([], cursor, user))
                continue
            }
            var branch = cursor
            var branchLayers: [LayerDescription] = []
            try convert(user, &branch, &branchLayers, output: output)
            let rest = try walk(from: branch, output: output)
            branches.append((branchLayers + rest.layers, rest.end, rest.merge))
        }
        guard let merge = branches[0].merge, branches[1].merge == merge else {
            throw ONNXError(source, "the two uses of value '\(cursor.value)' do not meet in one Add (a residual sum)")
        }
        let add = graph.nodes[merge]
        guard branches[0].end.shape == branches[1].end.shape else {
            throw fail(add, "adds shapes \(branches[0].end.shape) and \(branches[1].end.shape)")
        }
        let after = dataConsumers(of: add.outputs[0])
        guard after.count == 1, graph.nodes[after[0]].opType == "Relu", add.outputs[0] != output else {
            throw fail(add, "a residual sum must be followed by Relu (Loupe's residual block is relu(body + shortcut))")
        }
        used.formUnion([merge, after[0]])
        let ordered = branches.sorted { $0.layers.count > $1.layers.count }
        layers.append(.residual(body: ordered[0].layers, shortcut: ordered[1].layers.isEmpty ? nil : ordered[1].layers))
        cursor = Cursor(
            value: graph.nodes[after[0]].outputs[0], shape: ordered[0].end.shape, layerShape: ordered[0].end.layerShape)
    }

    // MARK: Nodes

    /// Converts one node (with a bias `Add` after a `MatMul`), moving `cursor` to its output.
    private mutating func convert(
        _ index: Int, _ cursor: inout Cursor, _ layers: inout [LayerDescription], output: String
    ) throws(ONNXError) {
        let node = graph.nodes[index]
        used.insert(index)
        guard node.inputs.first == cursor.value else {
            throw fail(
                node,
                "takes '\(cursor.value)' as input \(node.inputs.firstIndex(of: cursor.value) ?? 0), not as its data input"
            )
        }
        let next = node.outputs.first ?? ""
        func move(_ layer: LayerDescription?, shape: [Int], layerShape: [Int]? = nil) {
            if let layer { layers.append(layer) }
            cursor = Cursor(value: next, shape: shape, layerShape: layerShape ?? shape)
        }
        switch node.opType {
        case "Relu": move(.activation(.relu), shape: cursor.shape, layerShape: cursor.layerShape)
        case "Sigmoid": move(.activation(.sigmoid), shape: cursor.shape, layerShape: cursor.layerShape)
        case "Tanh": move(.activation(.tanh), shape: cursor.shape, layerShape: cursor.layerShape)
        case "LeakyRelu":
            move(
                .leakyReLU(slope: try node.float("alpha", default: 0.01, source)), shape: cursor.shape,
                layerShape: cursor.layerShape)
        case "Identity": move(nil, shape: cursor.shape, layerShape: cursor.layerShape)
        case "Dropout":
            let ratio = try node.inputs.count > 1 && !node.inputs[1].isEmpty ? scalar(node, input: 1) : 0.5
            guard (0..<1).contains(ratio) else { throw fail(node, "dropout ratio \(ratio) is not in [0, 1)") }
            guard node.outputs.count == 1 || dataConsumers(of: node.outputs[1]).isEmpty else {
                throw fail(node, "its mask output is used; Loupe imports inference graphs")
            }
            move(ratio > 0 ? .dropout(rate: ratio) : nil, shape: cursor.shape, layerShape: cursor.layerShape)
        case "Softmax":
            guard next == output else { throw fail(node, "a softmax is supported only as the graph's final node") }
            guard cursor.shape.count == 1, try [1, -1].contains(node.int("axis", default: -1, source)) else {
                throw fail(node, "a final softmax must run over the classes of a [N, classes] value")
            }
            notes.append("the final Softmax was removed: Loupe's models output logits")
            move(nil, shape: cursor.shape, layerShape: cursor.layerShape)
        case "Sub": try normalization(node, &cursor, &layers)
        case "QuantizeLinear": try roundingPair(node, &cursor)
        case "Conv": try convolution(node, &cursor, &layers)
        case "BatchNormalization": try batchNormalization(node, &cursor, &layers)
        case "Gemm": try gemm(node, &cursor, &layers)
        case "MatMul": try matMul(node, &cursor, &layers)
        case "MaxPool", "AveragePool": try pooling(node, &cursor, &layers)
        case "GlobalAveragePool":
            guard cursor.shape.count == 3 else { throw fail(node, "needs an [N, C, H, W] input, got \(cursor.shape)") }
            move(.globalAvgPool, shape: [cursor.shape[0], 1, 1], layerShape: [cursor.shape[0]])
        case "ReduceMean":
            let axes = try spatialAxes(node)
            let keep = try node.int("keepdims", default: 1, source) != 0
            guard cursor.shape.count == 3, axes == [2, 3] else {
                throw fail(node, "only a mean over H and W of an [N, C, H, W] value is supported, got axes \(axes)")
            }
            move(
                .globalAvgPool, shape: keep ? [cursor.shape[0], 1, 1] : [cursor.shape[0]], layerShape: [cursor.shape[0]]
            )
        case "Squeeze":
            let axes = try spatialAxes(node)
            let dims = cursor.shape.enumerated().filter { !axes.contains($0.offset + 1) }.map(\.element)
            guard axes.allSatisfy({ $0 >= 1 && $0 <= cursor.shape.count && cursor.shape[$0 - 1] == 1 }),
                dims == cursor.layerShape
            else { throw fail(node, "only squeezing the 1x1 of a global pooling is supported") }
            move(nil, shape: dims, layerShape: cursor.layerShape)
        case "Flatten":
            guard try node.int("axis", default: 1, source) == 1 else {
                throw fail(node, "only flattening everything but the batch (axis 1) is supported")
            }
            let count = try flattenedCount(cursor.shape)
            move(cursor.layerShape.count > 1 ? .flatten : nil, shape: [count])
        case "Reshape":
            guard node.inputs.count == 2, let target = try folding.integers(node.inputs[1]) else {
                throw fail(node, "its target shape is not a constant")
            }
            guard ConstantFolding.isFlatten(target, perExample: cursor.shape) else {
                throw fail(
                    node, "only a reshape to [N, -1] (a flatten) is supported, got \(ConstantFolding.listed(target))")
            }
            let count = try flattenedCount(cursor.shape)
            move(cursor.layerShape.count > 1 ? .flatten : nil, shape: [count])
        default:
            throw fail(node, "cannot be converted here (input '\(cursor.value)')")
        }
    }

    func flattenedCount(_ shape: [Int]) throws(ONNXError) -> Int {
        guard let count = CheckedSize.product(shape) else {
            throw ONNXError(source, "shape \(shape) has more elements than a size can hold", isSizeLimit: true)
        }
        return count
    }
}
