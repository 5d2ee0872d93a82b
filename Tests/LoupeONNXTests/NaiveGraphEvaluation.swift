@testable import LoupeONNX

/// An independent reference: evaluates a small ONNX graph node by node with plain loops,
/// following the ONNX operator definitions (Conv, BatchNormalization, Relu, Add, ReduceMean
/// over H and W, Reshape or Flatten to [N, -1], Gemm with transB). Shape nodes are skipped.
struct NaiveGraphEvaluation {
    let graph: ONNXGraph

    init(_ graph: ONNXGraph) { self.graph = graph }

    struct Value {
        var shape: [Int]
        var data: [Float]
    }

    func run(_ input: [Float], batch: Int, shape: [Int]) -> [Float] {
        var values: [String: Value] = [graph.inputs[0].name: Value(shape: [batch] + shape, data: input)]
        for (name, tensor) in graph.initializers { values[name] = Value(shape: tensor.shape, data: tensor.floats) }
        for node in graph.nodes {
            let x = values[node.inputs.first ?? ""]
            let result: Value?
            switch node.opType {
            case "Conv":
                result = conv(
                    x!, values[node.inputs[1]]!, node, bias: node.inputs.count > 2 ? values[node.inputs[2]]!.data : nil)
            case "Identity": result = x
            case "Relu": result = Value(shape: x!.shape, data: x!.data.map { max($0, 0) })
            case "Add":
                let y = values[node.inputs[1]]!
                result = Value(shape: x!.shape, data: zip(x!.data, y.data).map(+))
            case "BatchNormalization":
                let (s, b, m, v) = (1...4).map { values[node.inputs[$0]]!.data }.splat
                guard case .float(let epsilon) = node.attributes["epsilon"] else { fatalError() }
                let plane = x!.shape[2...].reduce(1, *)
                let channels = x!.shape[1]
                result = Value(
                    shape: x!.shape,
                    data: x!.data.enumerated().map { i, value in
                        let c = (i / plane) % channels
                        return (value - m[c]) / (v[c] + epsilon).squareRoot() * s[c] + b[c]
                    })
            case "ReduceMean":
                let (n, c, plane) = (x!.shape[0], x!.shape[1], x!.shape[2] * x!.shape[3])
                result = Value(
                    shape: [n, c, 1, 1],
                    data: (0..<(n * c)).map { x!.data[($0 * plane)..<(($0 + 1) * plane)].reduce(0, +) / Float(plane) })
            case "Reshape", "Flatten":
                result = Value(shape: [x!.shape[0], x!.data.count / x!.shape[0]], data: x!.data)
            case "Gemm":
                let w = values[node.inputs[1]]!
                let bias = values[node.inputs[2]]!.data
                let (n, k, out) = (x!.shape[0], x!.shape[1], w.shape[0])
                var data = [Float](repeating: 0, count: n * out)
                for row in 0..<n {
                    for j in 0..<out {
                        var sum = bias[j]
                        for i in 0..<k { sum += x!.data[row * k + i] * w.data[j * k + i] }
                        data[row * out + j] = sum
                    }
                }
                result = Value(shape: [n, out], data: data)
            default: result = nil  // shape arithmetic
            }
            if let result { values[node.outputs[0]] = result }
        }
        return values[graph.outputs[0].name]!.data
    }

    func conv(_ x: Value, _ w: Value, _ node: ONNXNode, bias: [Float]?) -> Value {
        var pads = [0, 0, 0, 0]
        var stride = 1
        if case .ints(let given) = node.attributes["pads"] { pads = given }
        if case .ints(let given) = node.attributes["strides"] { stride = given[0] }
        let (n, c, h, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (m, k) = (w.shape[0], w.shape[2])
        let oh = (h + pads[0] + pads[2] - k) / stride + 1
        let ow = (width + pads[1] + pads[3] - k) / stride + 1
        var out = [Float](repeating: 0, count: n * m * oh * ow)
        for b in 0..<n {
            for o in 0..<m {
                for y in 0..<oh {
                    for z in 0..<ow {
                        var sum: Float = bias?[o] ?? 0
                        for i in 0..<c {
                            for ky in 0..<k {
                                for kx in 0..<k {
                                    let (iy, ix) = (y * stride + ky - pads[0], z * stride + kx - pads[1])
                                    guard iy >= 0, iy < h, ix >= 0, ix < width else { continue }
                                    sum +=
                                        x.data[((b * c + i) * h + iy) * width + ix]
                                        * w.data[((o * c + i) * k + ky) * k + kx]
                                }
                            }
                        }
                        out[((b * m + o) * oh + y) * ow + z] = sum
                    }
                }
            }
        }
        return Value(shape: [n, m, oh, ow], data: out)
    }
}

extension Array {
    /// The first four elements as a tuple.
    fileprivate var splat: (Element, Element, Element, Element) { (self[0], self[1], self[2], self[3]) }
}
