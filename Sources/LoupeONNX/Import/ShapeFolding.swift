/// Evaluates the constant integer sub-graphs older exporters write around a `Reshape`:
/// `Shape(x) -> Gather -> Unsqueeze -> Concat([-1])` computes `[N, -1]`.
///
/// Values are flat integer lists (a scalar is a one-element list); the batch size, unknown at
/// import, is the marker ``batch``. `Shape` reads the per-example shape the conversion has
/// recorded for a value on the path it has walked.
struct ShapeFolding {
    /// Stands for the batch dimension in a folded shape.
    static let batch = Int64.min

    let graph: ONNXGraph
    let producer: [String: Int]
    let source: String
    /// Per-example ONNX shapes of the values walked so far.
    var shapes: [String: [Int]] = [:]
    /// The nodes evaluated here (so not converted into layers).
    var folded = Set<Int>()

    init(graph: ONNXGraph, producer: [String: Int], source: String) {
        self.graph = graph
        self.producer = producer
        self.source = source
    }

    /// The constant tensor named `name`: an initializer or a `Constant` node's value.
    func constant(_ name: String) -> ONNXTensor? {
        if let tensor = graph.initializers[name] { return tensor }
        guard let index = producer[name], graph.nodes[index].opType == "Constant" else { return nil }
        switch graph.nodes[index].attributes["value"] {
        case .tensor(let tensor): return tensor
        case .some, .none: break
        }
        switch graph.nodes[index].attributes["value_ints"] ?? graph.nodes[index].attributes["value_int"] {
        case .ints(let values): return ONNXTensor(name: name, shape: [values.count], integers: values.map(Int64.init))
        case .int(let value): return ONNXTensor(name: name, shape: [], integers: [Int64(value)])
        default: break
        }
        switch graph.nodes[index].attributes["value_floats"] ?? graph.nodes[index].attributes["value_float"] {
        case .floats(let values): return ONNXTensor(name: name, shape: [values.count], floats: values)
        case .float(let value): return ONNXTensor(name: name, shape: [], floats: [value])
        default: return nil
        }
    }

    /// Marks the `Constant` node producing `name`, if any, as used.
    mutating func markConstant(_ name: String) {
        if let index = producer[name], graph.nodes[index].opType == "Constant" { folded.insert(index) }
    }

    /// The integers `name` evaluates to, or nil when it is not constant shape arithmetic.
    mutating func integers(_ name: String) throws(ONNXError) -> [Int64]? {
        if let tensor = constant(name) {
            markConstant(name)
            return tensor.dataType.isFloatingPoint ? nil : tensor.integers
        }
        guard let index = producer[name] else { return nil }
        let node = graph.nodes[index]
        let result: [Int64]?
        switch node.opType {
        case "Shape":
            guard let shape = shapes[node.inputs[0]] else { return nil }
            let full = [Self.batch] + shape.map(Int64.init)
            let rank = full.count
            func clamp(_ bound: Int) -> Int { min(max(bound < 0 ? bound + rank : bound, 0), rank) }
            let start = clamp(try node.int("start", default: 0, source))
            let end = clamp(try node.int("end", default: rank, source))
            result = start < end ? Array(full[start..<end]) : []
        case "Gather":
            guard try node.int("axis", default: 0, source) == 0, node.inputs.count == 2,
                let data = try integers(node.inputs[0]), let indices = try integers(node.inputs[1])
            else { return nil }
            var picked: [Int64] = []
            for index in indices {
                let position = index < 0 ? index + Int64(data.count) : index
                guard position >= 0, position < Int64(data.count) else {
                    throw ONNXError(source, "\(node.label): index \(index) is out of range for \(data.count) values")
                }
                picked.append(data[Int(position)])
            }
            result = picked
        case "Unsqueeze", "Squeeze":
            result = try integers(node.inputs[0])
        case "Concat":
            guard try node.int("axis", default: 0, source) == 0 else { return nil }
            var joined: [Int64] = []
            for input in node.inputs {
                guard let part = try integers(input) else { return nil }
                joined += part
            }
            result = joined
        default:
            return nil
        }
        if result != nil { folded.insert(index) }
        return result
    }

    /// Whether reshaping a value of per-example shape `perExample` to `target` flattens it:
    /// `[N, -1]`, `[0, -1]`, `[N, K]` or `[-1, K]` with `K` the per-example element count.
    static func isFlatten(_ target: [Int64], perExample: [Int]) -> Bool {
        guard target.count == 2 else { return false }
        let count = Int64(perExample.reduce(1, *))
        switch (target[0], target[1]) {
        case (batch, -1), (0, -1), (batch, count), (0, count), (-1, count): return true
        default: return false
        }
    }
}
