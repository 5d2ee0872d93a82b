import LoupeSupport

/// Evaluates the constant sub-graphs exporters write beside the network: the older
/// exporter's `Shape(x) -> Gather -> Unsqueeze -> Concat([-1])` target of a flatten, and the
/// new exporter's unoptimised `Expand(CastLike(0, x), Shape(weight)[0:1])` zero biases,
/// `Reshape`d axes and `Squeeze`d sizes.
///
/// `Shape` reads the per-example shape the conversion recorded for a value on the path it has
/// walked (or an initializer's shape); the batch size, unknown at import, is the marker
/// ``batch``, which survives gathering and concatenation but not use as a size. Results are
/// at most ``elementLimit`` elements, so a hostile `Expand` cannot allocate without bound.
struct ConstantFolding {
    /// Stands for the batch dimension in a folded shape.
    static let batch = Int64.min
    /// The most elements one folded value may have.
    static let elementLimit = 1 << 22

    let graph: ONNXGraph
    let producer: [String: Int]
    let source: String
    /// Per-example ONNX shapes of the values walked so far.
    var shapes: [String: [Int]] = [:]
    /// The nodes evaluated here (so not converted into layers).
    var folded = Set<Int>()
    private var cache: [String: ONNXTensor] = [:]

    init(graph: ONNXGraph, producer: [String: Int], source: String) {
        self.graph = graph
        self.producer = producer
        self.source = source
    }

    /// The value of `name` if it is constant: an initializer or a foldable node's output.
    mutating func constant(_ name: String) throws(ONNXError) -> ONNXTensor? {
        if name.isEmpty { return nil }
        if let tensor = graph.initializers[name] ?? cache[name] { return tensor }
        guard let index = producer[name], let value = try evaluate(graph.nodes[index]) else { return nil }
        folded.insert(index)
        cache[name] = value
        return value
    }

    /// The integers `name` evaluates to, or nil when it is not a constant integer tensor.
    mutating func integers(_ name: String) throws(ONNXError) -> [Int64]? {
        guard let tensor = try constant(name), !tensor.dataType.isFloatingPoint else { return nil }
        return tensor.integers
    }

    private func fail(_ node: ONNXNode, _ problem: String) -> ONNXError {
        ONNXError(source, "\(node.label): \(problem)")
    }

    /// A size taken from a folded value: a non-negative number, not the batch marker.
    private func sizes(_ values: [Int64], _ node: ONNXNode) throws(ONNXError) -> [Int]? {
        if values.contains(Self.batch) { return nil }
        guard values.allSatisfy({ $0 >= -1 && $0 < 1 << 31 }) else {
            throw fail(node, "shape \(Self.listed(values)) has an invalid size")
        }
        return values.map { Int($0) }
    }

    private func checkedCount(_ shape: [Int], _ node: ONNXNode) throws(ONNXError) -> Int {
        guard let count = CheckedSize.product(shape), count <= Self.elementLimit else {
            throw fail(node, "a constant of shape \(shape) exceeds \(Self.elementLimit) elements")
        }
        return count
    }

    private func tensor(_ like: ONNXTensor, shape: [Int], pick: (Int) -> Int) -> ONNXTensor {
        let count = shape.reduce(1, *)
        var result = like
        result.shape = shape
        if like.dataType.isFloatingPoint {
            result.floats = (0..<count).map { like.floats[pick($0)] }
        } else {
            result.integers = (0..<count).map { like.integers[pick($0)] }
        }
        return result
    }

    private mutating func evaluate(_ node: ONNXNode) throws(ONNXError) -> ONNXTensor? {
        let name = node.outputs.first ?? ""
        switch node.opType {
        case "Constant":
            switch node.attributes["value"] {
            case .tensor(var tensor):
                tensor.name = name
                return tensor
            default: break
            }
            switch node.attributes["value_ints"] ?? node.attributes["value_int"] {
            case .ints(let values):
                return ONNXTensor(name: name, shape: [values.count], integers: values.map(Int64.init))
            case .int(let value): return ONNXTensor(name: name, shape: [], integers: [Int64(value)])
            default: break
            }
            switch node.attributes["value_floats"] ?? node.attributes["value_float"] {
            case .floats(let values): return ONNXTensor(name: name, shape: [values.count], floats: values)
            case .float(let value): return ONNXTensor(name: name, shape: [], floats: [value])
            default: throw fail(node, "has no value attribute Loupe reads")
            }
        case "Shape":
            let input = node.inputs[0]
            let full: [Int64]
            if let initializer = graph.initializers[input] {
                full = initializer.shape.map(Int64.init)
            } else if let shape = shapes[input] {
                full = [Self.batch] + shape.map(Int64.init)
            } else {
                return nil
            }
            let rank = full.count
            func clamp(_ bound: Int) -> Int { min(max(bound < 0 ? bound + rank : bound, 0), rank) }
            let start = clamp(try node.int("start", default: 0, source))
            let end = clamp(try node.int("end", default: rank, source))
            let values = start < end ? Array(full[start..<end]) : []
            return ONNXTensor(name: name, shape: [values.count], integers: values)
        case "Gather":
            guard try node.int("axis", default: 0, source) == 0, node.inputs.count == 2,
                let data = try constant(node.inputs[0]), data.shape.count == 1,
                let indices = try constant(node.inputs[1]), !indices.dataType.isFloatingPoint
            else { return nil }
            var picked: [Int] = []
            for index in indices.integers {
                let position = index < 0 ? index + Int64(data.count) : index
                guard position >= 0, position < Int64(data.count) else {
                    throw fail(node, "index \(index) is out of range for \(data.count) values")
                }
                picked.append(Int(position))
            }
            return tensor(data, shape: indices.shape) { picked[$0] }
        case "Identity":  // the older exporter's shared constants (equal folded biases)
            guard var data = try constant(node.inputs[0]) else { return nil }
            data.name = name
            return data
        case "Unsqueeze", "Squeeze":
            guard var data = try constant(node.inputs[0]) else { return nil }
            var axes = try node.ints("axes", source)
            if axes == nil, node.inputs.count > 1, let given = try integers(node.inputs[1]) {
                axes = try sizes(given.map { $0 < 0 ? $0 + Int64(data.shape.count + 1) : $0 }, node)
            }
            if node.opType == "Squeeze" {
                let rank = data.shape.count
                let dropped = Set(
                    (axes ?? data.shape.indices.filter { data.shape[$0] == 1 }).map { $0 < 0 ? $0 + rank : $0 })
                guard dropped.allSatisfy({ $0 >= 0 && $0 < rank && data.shape[$0] == 1 }) else {
                    throw fail(node, "squeezes an axis of size other than 1")
                }
                data.shape = data.shape.indices.filter { !dropped.contains($0) }.map { data.shape[$0] }
            } else {
                guard let axes else { throw fail(node, "has no axes") }
                let rank = data.shape.count + axes.count
                var shape = data.shape
                for axis in axes.map({ $0 < 0 ? $0 + rank : $0 }).sorted() {
                    guard axis >= 0, axis <= shape.count else { throw fail(node, "axis \(axis) is out of range") }
                    shape.insert(1, at: axis)
                }
                data.shape = shape
            }
            data.name = name
            return data
        case "Concat":
            var parts: [ONNXTensor] = []
            for input in node.inputs {
                guard let part = try constant(input), part.shape.count == 1 else { return nil }
                parts.append(part)
            }
            guard let first = parts.first,
                parts.allSatisfy({ $0.dataType.isFloatingPoint == first.dataType.isFloatingPoint }),
                try [0, -1].contains(node.int("axis", default: 0, source))
            else { return nil }
            guard let total = CheckedSize.sum(parts.map(\.count)), total <= Self.elementLimit else {
                throw fail(node, "joins more than \(Self.elementLimit) elements")
            }
            var joined = first
            joined.name = name
            joined.floats = parts.flatMap(\.floats)
            joined.integers = parts.flatMap(\.integers)
            joined.shape = [joined.floats.count + joined.integers.count]
            return joined
        case "Reshape":
            guard let data = try constant(node.inputs[0]), let target = try integers(node.inputs[1]),
                var shape = try sizes(target, node)
            else { return nil }
            let allowZero = try node.int("allowzero", default: 0, source) != 0
            for (axis, size) in shape.enumerated() where size == 0 && !allowZero {
                guard axis < data.shape.count else { throw fail(node, "copies axis \(axis) the input lacks") }
                shape[axis] = data.shape[axis]
            }
            if let unknown = shape.firstIndex(of: -1) {
                guard let known = CheckedSize.product(shape.filter { $0 != -1 }), known > 0,
                    data.count % known == 0
                else {
                    throw fail(node, "cannot reshape \(data.shape) to \(Self.listed(target))")
                }
                shape[unknown] = data.count / known
            }
            guard try checkedCount(shape, node) == data.count else {
                throw fail(node, "cannot reshape \(data.shape) to \(Self.listed(target))")
            }
            return tensor(data, shape: shape) { $0 }
        case "Expand":
            guard let data = try constant(node.inputs[0]), let target = try integers(node.inputs[1]),
                let requested = try sizes(target, node)
            else { return nil }
            guard requested.allSatisfy({ $0 >= 0 }) else {
                throw fail(node, "cannot expand \(data.shape) to \(Self.listed(target)): sizes must not be negative")
            }
            // Numpy broadcasting of the data's shape against the requested one.
            let rank = max(requested.count, data.shape.count)
            let padded = Array(repeating: 1, count: rank - data.shape.count) + data.shape
            let wanted = Array(repeating: 1, count: rank - requested.count) + requested
            var shape: [Int] = []
            for (a, b) in zip(padded, wanted) {
                guard a == b || a == 1 || b == 1 else {
                    throw fail(node, "cannot expand \(data.shape) to \(Self.listed(requested.map(Int64.init)))")
                }
                shape.append(a == 1 ? b : a)
            }
            _ = try checkedCount(shape, node)
            return tensor(data, shape: shape) { flat in
                var (rest, source, stride) = (flat, 0, 1)
                for axis in (0..<rank).reversed() {
                    let coordinate = rest % shape[axis]
                    rest /= shape[axis]
                    if padded[axis] != 1 { source += coordinate * stride }
                    stride *= padded[axis]
                }
                return source
            }
        case "DequantizeLinear":
            // int8 weight codes: (q - zero point) * scale, per tensor or along `axis`.
            guard let codes = try constant(node.inputs[0]), !codes.dataType.isFloatingPoint,
                node.inputs.count > 1, let scale = try constant(node.inputs[1]), scale.dataType.isFloatingPoint
            else { return nil }
            let zero = node.inputs.count > 2 ? try constant(node.inputs[2]) : nil
            let zeros = zero?.integers ?? Array(repeating: 0, count: scale.count)
            guard zeros.count == scale.count, !scale.floats.isEmpty else {
                throw fail(node, "has \(scale.count) scales and \(zeros.count) zero points")
            }
            var axis = try node.int("axis", default: 1, source)
            if axis < 0 { axis += codes.shape.count }
            let perAxis = scale.count > 1
            guard !perAxis || (axis >= 0 && axis < codes.shape.count && codes.shape[axis] == scale.count) else {
                throw fail(node, "\(scale.count) scales do not fit axis \(axis) of shape \(codes.shape)")
            }
            guard scale.floats.allSatisfy(\.isFinite) else { throw fail(node, "has a scale that is not finite") }
            let inner = perAxis ? codes.shape[(axis + 1)...].reduce(1, *) : 1
            var values: [Float] = []
            values.reserveCapacity(codes.count)
            for (index, code) in codes.integers.enumerated() {
                let channel = perAxis ? (index / inner) % scale.count : 0
                let (difference, overflow) = code.subtractingReportingOverflow(zeros[channel])
                let value = Float(difference) * scale.floats[channel]
                guard !overflow, value.isFinite else {
                    throw fail(
                        node,
                        "code \(code) with zero point \(zeros[channel]) and scale \(scale.floats[channel]) is not a finite weight"
                    )
                }
                values.append(value)
            }
            return ONNXTensor(name: name, shape: codes.shape, floats: values)
        case "CastLike", "Cast":
            guard var data = try constant(node.inputs[0]) else { return nil }
            let toFloat: Bool
            if node.opType == "Cast" {
                guard let type = ONNXDataType(rawValue: try node.int("to", default: 0, source)) else {
                    throw fail(node, "casts to an element type Loupe does not read")
                }
                toFloat = type.isFloatingPoint
            } else if let like = try constant(node.inputs[1]) {
                toFloat = like.dataType.isFloatingPoint
            } else {
                toFloat = true  // a computed value: Loupe's data is float
            }
            if toFloat, !data.dataType.isFloatingPoint {
                (data.floats, data.integers, data.dataType) = (data.integers.map { Float($0) }, [], .float)
            } else if !toFloat, data.dataType.isFloatingPoint {
                guard data.floats.allSatisfy({ $0.isFinite && abs($0) < 9e18 }) else {
                    throw fail(node, "casts a value that is not a finite integer")
                }
                (data.integers, data.floats, data.dataType) = (data.floats.map { Int64($0) }, [], .int64)
            }
            data.name = name
            return data
        default:
            return nil
        }
    }

    /// `values` for an error line: all of them up to eight, else the first eight and the count.
    static func listed(_ values: [Int64]) -> String {
        values.count <= 8
            ? "\(values)"
            : "[" + values.prefix(8).map(String.init).joined(separator: ", ") + ", ...] (\(values.count) values)"
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
