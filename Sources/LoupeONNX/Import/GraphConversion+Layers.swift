import LoupeNN
import LoupeTensor

/// The nodes that carry weights or change the spatial size.
extension GraphConversion {
    /// A float constant input of `node` (a weight or a bias), checked to have `rank` dimensions.
    mutating func weight(_ node: ONNXNode, input: Int, rank: Set<Int>) throws(ONNXError) -> ONNXTensor {
        guard input < node.inputs.count, let tensor = try folding.constant(node.inputs[input]) else {
            throw fail(node, "input \(input) must be a constant (an initializer)")
        }
        guard tensor.dataType.isFloatingPoint else {
            throw fail(node, "constant '\(node.inputs[input])' holds \(tensor.dataType), not floating-point values")
        }
        guard rank.contains(tensor.shape.count) else {
            throw fail(node, "constant '\(node.inputs[input])' has shape \(tensor.shape)")
        }
        return tensor
    }

    /// A one-element float constant input (a dropout ratio).
    mutating func scalar(_ node: ONNXNode, input: Int) throws(ONNXError) -> Float {
        let tensor = try weight(node, input: input, rank: [0, 1])
        guard tensor.floats.count == 1 else { throw fail(node, "input \(input) must be one value") }
        return tensor.floats[0]
    }

    /// A bias of `count` values (a `[count]` or `[1, count]` tensor, or one value broadcast).
    mutating func bias(_ node: ONNXNode, input: Int, count: Int, scale: Float = 1) throws(ONNXError) -> Tensor? {
        guard input < node.inputs.count, !node.inputs[input].isEmpty else { return nil }
        let tensor = try weight(node, input: input, rank: [0, 1, 2])
        // A zero bias computed by the graph (not stored) is no bias: the unoptimised export
        // of a bias-free convolution.
        if graph.initializers[node.inputs[input]] == nil, tensor.floats.allSatisfy({ $0 == 0 }) { return nil }
        let values: [Float]
        if tensor.floats.count == count {
            values = tensor.floats
        } else if tensor.floats.count == 1 {
            values = Array(repeating: tensor.floats[0], count: count)
        } else {
            throw fail(node, "bias '\(node.inputs[input])' has shape \(tensor.shape); \(count) values expected")
        }
        return Tensor(shape: [count], scalars: scale == 1 ? values : values.map { $0 * scale })
    }

    /// Moves `cursor` to `node`'s output after appending `layer`, whose output shape it takes.
    mutating func append(
        _ layer: any Layer, for node: ONNXNode, _ cursor: inout Cursor, _ layers: inout [LayerDescription]
    ) throws(ONNXError) {
        let shape: [Int]
        do { shape = try layer.outputShape(for: cursor.layerShape) } catch { throw fail(node, error.description) }
        layers.append(layer.description)
        cursor = Cursor(value: node.outputs[0], shape: shape, layerShape: shape)
    }

    /// Stride, padding and the kernel side of a `Conv` or pooling node, checked to be what
    /// Loupe's layers hold: square, the same in both directions, symmetric, no dilation.
    func window(_ node: ONNXNode, kernel: [Int]) throws(ONNXError) -> (kernel: Int, stride: Int, padding: Int) {
        guard kernel.count == 2, kernel[0] == kernel[1], kernel[0] > 0 else {
            throw fail(node, "kernel \(kernel) is not square; Loupe's layers take square kernels")
        }
        if let given = try node.ints("kernel_shape", source), given != kernel {
            throw fail(node, "kernel_shape \(given) disagrees with the weight's \(kernel)")
        }
        let strides = try node.ints("strides", source) ?? [1, 1]
        guard strides.count == 2, strides[0] == strides[1], strides[0] > 0 else {
            throw fail(node, "strides \(strides) are not one positive stride in both directions")
        }
        guard (try node.ints("dilations", source) ?? [1, 1]).allSatisfy({ $0 == 1 }) else {
            throw fail(node, "dilated windows are not supported")
        }
        var pads = try node.ints("pads", source) ?? [0, 0, 0, 0]
        switch try node.string("auto_pad", default: "NOTSET", source) {
        case "NOTSET": break
        case "VALID": pads = [0, 0, 0, 0]
        case "SAME_UPPER",
            "SAME_LOWER" where strides[0] == 1 && kernel[0] % 2 == 1:
            pads = Array(repeating: kernel[0] / 2, count: 4)
        case let mode: throw fail(node, "auto_pad \(mode) with stride \(strides[0]) is not supported")
        }
        guard pads.count == 4, Set(pads).count == 1, pads[0] >= 0 else {
            throw fail(node, "pads \(pads) are not one padding on every side")
        }
        return (kernel[0], strides[0], pads[0])
    }

    /// `Div(Sub(x, mean), std)` with per-channel constants: a ``Normalize`` layer.
    mutating func normalization(_ node: ONNXNode, _ cursor: inout Cursor, _ layers: inout [LayerDescription])
        throws(ONNXError)
    {
        let channels = cursor.layerShape[0]
        let users = (consumers[node.outputs[0]] ?? []).filter { !used.contains($0) }
        guard users.count == 1, graph.nodes[users[0]].opType == "Div",
            graph.nodes[users[0]].inputs.first == node.outputs[0]
        else { throw fail(node, "only Sub then Div by per-channel constants (a normalisation) is supported") }
        let division = graph.nodes[users[0]]
        let mean = try weight(node, input: 1, rank: [1, 3, 4])
        let std = try weight(division, input: 1, rank: [1, 3, 4])
        guard [1, 3].contains(cursor.layerShape.count), mean.count == channels, std.count == channels,
            std.floats.allSatisfy({ $0 > 0 && $0.isFinite }), mean.floats.allSatisfy(\.isFinite)
        else {
            throw fail(
                node, "mean \(mean.shape) and std \(std.shape) are not \(channels) finite per-channel values (std > 0)")
        }
        used.insert(users[0])
        var moved = node
        moved.outputs = division.outputs
        try append(Normalize(mean: mean.floats, std: std.floats), for: moved, &cursor, &layers)
    }

    /// A `QuantizeLinear` / `DequantizeLinear` pair on the data path (activation
    /// quantization): removed, with a note, since Loupe's imported layers compute in float.
    mutating func roundingPair(_ node: ONNXNode, _ cursor: inout Cursor) throws(ONNXError) {
        let users = (consumers[node.outputs[0]] ?? []).filter { !used.contains($0) }
        guard users.count == 1, graph.nodes[users[0]].opType == "DequantizeLinear" else {
            throw fail(node, "a QuantizeLinear must be followed by its DequantizeLinear")
        }
        used.insert(users[0])
        let note = "activation QuantizeLinear/DequantizeLinear pairs were removed: imported layers compute in float"
        if !notes.contains(note) { notes.append(note) }
        cursor.value = graph.nodes[users[0]].outputs[0]
    }

    mutating func convolution(
        _ node: ONNXNode, _ cursor: inout Cursor, _ layers: inout [LayerDescription]
    ) throws(ONNXError) {
        guard cursor.layerShape.count == 3 else { throw fail(node, "needs an [N, C, H, W] input, got \(cursor.shape)") }
        guard try node.int("group", default: 1, source) == 1 else {
            throw fail(
                node, "grouped convolutions are not supported (group \(try node.int("group", default: 1, source)))")
        }
        let weight = try weight(node, input: 1, rank: [4])
        let (outputs, inputs) = (weight.shape[0], weight.shape[1])
        guard inputs == cursor.layerShape[0] else {
            throw fail(node, "its weight takes \(inputs) channels but the input has \(cursor.layerShape[0])")
        }
        let window = try window(node, kernel: Array(weight.shape[2...]))
        let bias = try bias(node, input: 2, count: outputs)
        let name = names.name(forParameter: node.inputs[1], prefix: "conv")
        parameters["\(name).weight"] = Tensor(shape: weight.shape, scalars: weight.floats)
        if let bias { parameters["\(name).bias"] = bias }
        let layer = Conv2d(
            name: name, inputChannels: inputs, outputChannels: outputs, kernelSize: window.kernel,
            stride: window.stride, padding: window.padding, hasBias: bias != nil)
        try append(layer, for: node, &cursor, &layers)
    }

    mutating func pooling(_ node: ONNXNode, _ cursor: inout Cursor, _ layers: inout [LayerDescription])
        throws(ONNXError)
    {
        guard cursor.layerShape.count == 3 else { throw fail(node, "needs an [N, C, H, W] input, got \(cursor.shape)") }
        guard let kernel = try node.ints("kernel_shape", source) else { throw fail(node, "has no kernel_shape") }
        let window = try window(node, kernel: kernel)
        guard window.padding == 0 else { throw fail(node, "padded pooling is not supported") }
        if try node.int("ceil_mode", default: 0, source) != 0 {
            let (h, w) = (cursor.layerShape[1], cursor.layerShape[2])
            guard h >= window.kernel, w >= window.kernel, (h - window.kernel) % window.stride == 0,
                (w - window.kernel) % window.stride == 0
            else { throw fail(node, "ceil_mode 1 adds a partial window here, which Loupe's pooling does not") }
        }
        guard node.outputs.count == 1 || node.outputs[1].isEmpty else {
            throw fail(node, "its Indices output is not supported")
        }
        let layer: any Layer =
            node.opType == "MaxPool"
            ? MaxPool2d(kernelSize: window.kernel, stride: window.stride)
            : AvgPool2d(kernelSize: window.kernel, stride: window.stride)
        try append(layer, for: node, &cursor, &layers)
    }

    mutating func batchNormalization(
        _ node: ONNXNode, _ cursor: inout Cursor, _ layers: inout [LayerDescription]
    ) throws(ONNXError) {
        guard try node.int("training_mode", default: 0, source) == 0, node.outputs.count == 1 else {
            throw fail(node, "is in training mode; export the model in eval mode")
        }
        guard [1, 3].contains(cursor.layerShape.count) else {
            throw fail(node, "needs an [N, C] or [N, C, H, W] input, got \(cursor.shape)")
        }
        let channels = cursor.layerShape[0]
        var tensors: [Tensor] = []
        for input in 1...4 {
            let tensor = try weight(node, input: input, rank: [1])
            guard tensor.count == channels else {
                throw fail(node, "'\(node.inputs[input])' has \(tensor.count) values for \(channels) channels")
            }
            tensors.append(Tensor(shape: [channels], scalars: tensor.floats))
        }
        let epsilon = try node.float("epsilon", default: 1e-5, source)
        guard epsilon > 0 else { throw fail(node, "epsilon \(epsilon) is not positive") }
        let name = names.name(forParameter: node.inputs[1], prefix: "bn")
        (parameters["\(name).weight"], parameters["\(name).bias"]) = (tensors[0], tensors[1])
        (buffers["\(name).running_mean"], buffers["\(name).running_var"]) = (tensors[2], tensors[3])
        try append(BatchNorm(name: name, features: channels, epsilon: epsilon), for: node, &cursor, &layers)
    }

    /// `Gemm(x, B, C) = alpha * x B' + beta * C`, B' being B or its transpose: a linear layer.
    mutating func gemm(_ node: ONNXNode, _ cursor: inout Cursor, _ layers: inout [LayerDescription]) throws(ONNXError) {
        guard try node.int("transA", default: 0, source) == 0 else {
            throw fail(node, "transA = 1 (a transposed batch) is not supported")
        }
        let alpha = try node.float("alpha", default: 1, source)
        let beta = try node.float("beta", default: 1, source)
        let b = try weight(node, input: 1, rank: [2])
        let transposed = try node.int("transB", default: 0, source) != 0
        let matrix = transposed ? b.floats : Self.transpose(b.floats, rows: b.shape[0], columns: b.shape[1])
        let (outputs, inputs) = transposed ? (b.shape[0], b.shape[1]) : (b.shape[1], b.shape[0])
        try linear(
            node, weight: alpha == 1 ? matrix : matrix.map { $0 * alpha }, outputs: outputs, inputs: inputs,
            bias: try bias(node, input: 2, count: outputs, scale: beta), &cursor, &layers)
    }

    /// `MatMul(x, W)`, with the `Add` of a constant bias that follows it: a linear layer.
    mutating func matMul(_ node: ONNXNode, _ cursor: inout Cursor, _ layers: inout [LayerDescription]) throws(ONNXError)
    {
        let w = try weight(node, input: 1, rank: [2])
        let (inputs, outputs) = (w.shape[0], w.shape[1])
        var bias: Tensor?
        var output = node.outputs[0]
        let users = (consumers[output] ?? []).filter { !used.contains($0) }
        if users.count == 1, graph.nodes[users[0]].opType == "Add" {
            let add = graph.nodes[users[0]]
            if let other = add.inputs.first(where: { $0 != output }), try folding.constant(other) != nil,
                add.inputs.count == 2
            {
                bias = try self.bias(add, input: add.inputs.firstIndex(of: other)!, count: outputs)
                used.insert(users[0])
                output = add.outputs[0]
            }
        }
        var moved = node
        moved.outputs = [output]
        try linear(
            moved, weight: Self.transpose(w.floats, rows: inputs, columns: outputs), outputs: outputs, inputs: inputs,
            bias: bias, &cursor, &layers)
    }

    private mutating func linear(
        _ node: ONNXNode, weight: [Float], outputs: Int, inputs: Int, bias: Tensor?, _ cursor: inout Cursor,
        _ layers: inout [LayerDescription]
    ) throws(ONNXError) {
        guard cursor.layerShape == [inputs] else {
            throw fail(node, "takes \(inputs) features but its input has shape \(cursor.shape) (flatten first)")
        }
        let name = names.name(forParameter: node.inputs[1], prefix: "fc")
        parameters["\(name).weight"] = Tensor(shape: [outputs, inputs], scalars: weight)
        if let bias { parameters["\(name).bias"] = bias }
        let layer = Linear(name: name, inputFeatures: inputs, outputFeatures: outputs, hasBias: bias != nil)
        try append(layer, for: node, &cursor, &layers)
    }

    static func transpose(_ values: [Float], rows: Int, columns: Int) -> [Float] {
        var result = [Float](repeating: 0, count: values.count)
        for row in 0..<rows {
            for column in 0..<columns { result[column * rows + row] = values[row * columns + column] }
        }
        return result
    }

    /// The axes of a `ReduceMean` or `Squeeze` of an `[N, C, H, W]` value (an attribute before
    /// opset 13/18, a constant input since), non-negative, sorted.
    mutating func spatialAxes(_ node: ONNXNode) throws(ONNXError) -> [Int] {
        let rank = 4
        var axes: [Int]
        if let given = try node.ints("axes", source) {
            axes = given
        } else if node.inputs.count > 1, !node.inputs[1].isEmpty, let given = try folding.integers(node.inputs[1]) {
            axes = given.map { Int(clamping: $0) }
        } else {
            throw fail(node, "has no constant axes")
        }
        axes = axes.map { $0 < 0 ? $0 + rank : $0 }
        return axes.sorted()
    }
}
