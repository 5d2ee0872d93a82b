import LoupeNN
import LoupeTensor

/// How exported weights are stored.
public enum ONNXWeightStorage: Sendable {
    /// float32 initializers: a dense model, or a pruned one with its zeros in place.
    case float32
    /// float16 initializers, each followed by a `Cast` to float (the model computes in float32
    /// with half-precision weights, as Loupe's float16 scheme does).
    case float16
    /// int8 weight codes with one scale per tensor or per output channel, each followed by a
    /// `DequantizeLinear` (zero point 0), biases and batch norm in float32; with
    /// `inputRanges`, the input of each named layer is rounded to its int8 grid by a
    /// `QuantizeLinear` / `DequantizeLinear` pair (Loupe's `int8-full`).
    case int8(codes: [String: (values: [Int8], scales: [Float])], inputRanges: [String: (scale: Float, zeroPoint: Int)])
}

extension ONNXModel {
    /// The opset exported files declare.
    public static let exportOpset = 17

    /// The ONNX graph computing `model`'s logits: input `input` `[batch, C, H, W]`, output
    /// `logits` `[batch, classes]`, initializers named as Loupe's parameters.
    ///
    /// Layers map one to one (a linear layer is a `Gemm` with `transB = 1`, a residual block an
    /// `Add` and a `Relu` after its branches, global pooling a `GlobalAveragePool` and a
    /// `Flatten`, per-channel normalisation a `Sub` and a `Div`); dropout is left out
    /// (inference graph).
    public init(exporting model: Model, weights: ONNXWeightStorage = .float32) throws(ONNXError) {
        if case .float16 = weights {
            // Beyond ±65504 a half is infinite: the file would hold weights no reader accepts.
            let stored = model.parameters.merging(model.buffers, uniquingKeysWith: { a, _ in a })
            for (name, tensor) in stored.sorted(by: { $0.key < $1.key })
            where tensor.scalars.contains(where: { abs($0) > Float(Float16.greatestFiniteMagnitude) }) {
                throw ONNXError(
                    model.architecture.name,
                    "\(name) holds values beyond float16's range (±65504); export it without --quantize float16")
            }
        }
        var export = GraphExport(model: model, weights: weights)
        let input = ONNXValueInfo(
            name: "input", shape: [.symbolic("batch")] + model.architecture.inputShape.map { .fixed($0) })
        let (last, _) = try export.emit(model.network.layers, input: "input", shape: model.architecture.inputShape)
        export.nodes.append(ONNXNode(name: "logits", opType: "Identity", inputs: [last], outputs: ["logits"]))
        let output = ONNXValueInfo(name: "logits", shape: [.symbolic("batch"), .fixed(model.classCount)])
        self.init(
            irVersion: 8, opsetVersion: Self.exportOpset, producer: "loupe",
            graph: ONNXGraph(
                name: model.architecture.name, nodes: export.nodes,
                initializers: Dictionary(uniqueKeysWithValues: export.initializers.map { ($0.name, $0) }),
                inputs: [input], outputs: [output]))
    }
}

/// The nodes and initializers of an export, emitted layer by layer.
private struct GraphExport {
    let model: Model
    let weights: ONNXWeightStorage
    var nodes: [ONNXNode] = []
    var initializers: [ONNXTensor] = []
    private var counters: [String: Int] = [:]

    init(model: Model, weights: ONNXWeightStorage) {
        self.model = model
        self.weights = weights
    }

    /// A fresh value name: `relu_3`.
    mutating func fresh(_ base: String) -> String {
        counters[base, default: 0] += 1
        return "\(base)_\(counters[base]!)"
    }

    mutating func node(
        _ opType: String, _ inputs: [String], attributes: [String: ONNXAttribute] = [:], name: String? = nil
    ) -> String {
        let output = fresh(name ?? opType.lowercased())
        nodes.append(ONNXNode(name: output, opType: opType, inputs: inputs, outputs: [output], attributes: attributes))
        return output
    }

    mutating func constant(_ name: String, _ shape: [Int], _ values: [Float]) -> String {
        initializers.append(ONNXTensor(name: name, shape: shape, floats: values))
        return name
    }

    /// The value holding parameter `name` as float: the initializer itself, or its
    /// half-precision or int8 storage and the node that turns it back into float.
    mutating func parameter(_ name: String) -> String {
        let tensor = model.parameters[name] ?? model.buffers[name]!
        switch weights {
        case .float32:
            return constant(name, tensor.shape, tensor.scalars)
        case .float16:
            initializers.append(
                ONNXTensor(name: "\(name).float16", shape: tensor.shape, floats: tensor.scalars, dataType: .float16))
            return node("Cast", ["\(name).float16"], attributes: ["to": .int(ONNXDataType.float.rawValue)], name: name)
        case .int8(let codes, _):
            guard let (values, scales) = codes[name] else { return constant(name, tensor.shape, tensor.scalars) }
            initializers.append(
                ONNXTensor(name: "\(name).int8", shape: tensor.shape, integers: values.map(Int64.init), dataType: .int8)
            )
            let perChannel = scales.count > 1
            initializers.append(
                ONNXTensor(name: "\(name).scale", shape: perChannel ? [scales.count] : [], floats: scales))
            initializers.append(
                ONNXTensor(
                    name: "\(name).zero_point", shape: perChannel ? [scales.count] : [],
                    integers: Array(repeating: 0, count: scales.count), dataType: .int8))
            return node(
                "DequantizeLinear", ["\(name).int8", "\(name).scale", "\(name).zero_point"],
                attributes: perChannel ? ["axis": .int(0)] : [:], name: name)
        }
    }

    /// `input` rounded to the int8 grid of layer `layer`, if it has one (`int8-full`).
    mutating func quantizedInput(_ input: String, layer: String) -> String {
        guard case .int8(_, let ranges) = weights, let range = ranges[layer] else { return input }
        initializers.append(ONNXTensor(name: "\(layer).input_scale", shape: [], floats: [range.scale]))
        initializers.append(
            ONNXTensor(
                name: "\(layer).input_zero_point", shape: [], integers: [Int64(range.zeroPoint)], dataType: .int8))
        let inputs = [input, "\(layer).input_scale", "\(layer).input_zero_point"]
        let codes = node("QuantizeLinear", inputs, name: "\(layer).input_codes")
        return node("DequantizeLinear", [codes] + inputs.dropFirst(), name: "\(layer).input")
    }

    /// Emits `layers` applied to `input` of per-example shape `shape`; returns the output.
    mutating func emit(_ layers: [any Layer], input: String, shape: [Int]) throws(ONNXError) -> (String, [Int]) {
        var (value, shape) = (input, shape)
        for layer in layers {
            let next: [Int]
            do { next = try layer.outputShape(for: shape) } catch {
                throw ONNXError(model.architecture.name, error.description)
            }
            value = try emit(layer, input: value, shape: shape)
            shape = next
        }
        return (value, shape)
    }

    private mutating func emit(_ layer: any Layer, input: String, shape: [Int]) throws(ONNXError) -> String {
        switch layer {
        case let conv as Conv2d:
            let x = quantizedInput(input, layer: conv.name)
            let inputs = [x, parameter("\(conv.name).weight")] + (conv.hasBias ? [parameter("\(conv.name).bias")] : [])
            let k = conv.kernelSize
            return node(
                "Conv", inputs,
                attributes: [
                    "kernel_shape": .ints([k, k]), "strides": .ints([conv.stride, conv.stride]),
                    "pads": .ints(Array(repeating: conv.padding, count: 4)), "dilations": .ints([1, 1]),
                    "group": .int(1),
                ], name: conv.name)
        case let linear as Linear:
            let x = quantizedInput(input, layer: linear.name)
            let inputs =
                [x, parameter("\(linear.name).weight")] + (linear.hasBias ? [parameter("\(linear.name).bias")] : [])
            return node("Gemm", inputs, attributes: ["transB": .int(1)], name: linear.name)
        case let norm as BatchNorm:
            let inputs =
                [input] + ["weight", "bias", "running_mean", "running_var"].map { parameter("\(norm.name).\($0)") }
            return node(
                "BatchNormalization", inputs,
                attributes: ["epsilon": .float(norm.epsilon), "momentum": .float(1 - norm.momentum)], name: norm.name)
        case let activation as Activation:
            return node(["relu": "Relu", "tanh": "Tanh", "sigmoid": "Sigmoid"][activation.function.rawValue]!, [input])
        case let leaky as LeakyReLU:
            return node("LeakyRelu", [input], attributes: ["alpha": .float(leaky.slope)])
        case let pool as MaxPool2d:
            return node(
                "MaxPool", [input],
                attributes: [
                    "kernel_shape": .ints([pool.kernelSize, pool.kernelSize]),
                    "strides": .ints([pool.stride, pool.stride]),
                ])
        case let pool as AvgPool2d:
            return node(
                "AveragePool", [input],
                attributes: [
                    "kernel_shape": .ints([pool.kernelSize, pool.kernelSize]),
                    "strides": .ints([pool.stride, pool.stride]),
                ])
        case is GlobalAvgPool:
            let pooled = node("GlobalAveragePool", [input])
            return node("Flatten", [pooled], attributes: ["axis": .int(1)])
        case is Flatten:
            return shape.count > 1 ? node("Flatten", [input], attributes: ["axis": .int(1)]) : input
        case is Dropout:
            return input
        case let normalize as Normalize:
            let broadcast = shape.count == 3 ? [normalize.mean.count, 1, 1] : [normalize.mean.count]
            let mean = constant(fresh("normalize.mean"), broadcast, normalize.mean)
            let std = constant(fresh("normalize.std"), broadcast, normalize.std)
            return node("Div", [node("Sub", [input, mean]), std], name: "normalize")
        case let sequential as Sequential:
            return try emit(sequential.layers, input: input, shape: shape).0
        case let block as ResidualBlock:
            let body = try emit(block.body.layers, input: input, shape: shape).0
            let side = try block.shortcut.map { (s) throws(ONNXError) in
                try emit(s.layers, input: input, shape: shape).0
            }
            return node("Relu", [node("Add", [body, side ?? input])])
        default:
            throw ONNXError(model.architecture.name, "layer \(layer.description.label) has no ONNX export")
        }
    }
}
