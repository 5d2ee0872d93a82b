import LoupeNN
import LoupeTensor

extension ImportedModel {
    /// The Loupe model computing what `onnx`'s graph computes.
    ///
    /// Every node is checked against the supported operators before any conversion, so an
    /// unsupported graph fails with the first unsupported node, its op type and the opset.
    /// The input must be one float tensor `[N, ...]` with every dimension but the batch fixed;
    /// the output one `[N, classes]` tensor. See ``SupportedOperators`` for what becomes what.
    ///
    /// - Parameters:
    ///   - source: how errors name the model (its file name).
    ///   - name: the architecture's name.
    public init(converting onnx: ONNXModel, source: String, name: String) throws(ONNXError) {
        guard SupportedOperators.opsets.contains(onnx.opsetVersion) else {
            throw ONNXError(
                source,
                "opset \(onnx.opsetVersion) is not supported (Loupe imports opsets \(SupportedOperators.opsets.lowerBound) to \(SupportedOperators.opsets.upperBound))"
            )
        }
        for node in onnx.graph.nodes {
            guard ["", "ai.onnx"].contains(node.domain), SupportedOperators.all.contains(node.opType) else {
                let domain = ["", "ai.onnx"].contains(node.domain) ? "" : " in domain \(node.domain)"
                throw ONNXError(
                    source,
                    "\(node.label): op type \(node.opType)\(domain) (opset \(onnx.opsetVersion)) is not supported; Loupe imports \(SupportedOperators.list)"
                )
            }
            let needed = SupportedOperators.minimumInputs[node.opType] ?? 1
            guard node.inputs.count >= needed, !node.inputs.prefix(needed).contains(""),
                let output = node.outputs.first, !output.isEmpty
            else {
                throw ONNXError(
                    source,
                    "\(node.label): needs \(needed) input(s) and an output, has \(node.inputs) -> \(node.outputs)")
            }
        }
        guard let input = onnx.graph.inputs.first, onnx.graph.inputs.count == 1 else {
            throw ONNXError(source, "the graph has \(onnx.graph.inputs.count) inputs; Loupe imports one (the images)")
        }
        guard input.elementType == nil || input.elementType == .float else {
            throw ONNXError(source, "input '\(input.name)' holds \(input.elementType!), not float")
        }
        guard let dimensions = input.shape, dimensions.count >= 2 else {
            throw ONNXError(source, "input '\(input.name)' has no [N, ...] shape")
        }
        var perExample: [Int] = []
        for (axis, dimension) in dimensions.enumerated().dropFirst() {
            guard case .fixed(let size) = dimension, size > 0 else {
                throw ONNXError(source, "input '\(input.name)': dimension \(axis) must be a fixed positive size")
            }
            perExample.append(size)
        }
        var notes: [String] = []
        if case .fixed(let batch) = dimensions[0] {
            notes.append("the file fixes the batch size at \(batch); Loupe runs any batch size")
        }
        var conversion = GraphConversion(graph: onnx.graph, source: source)
        let converted = try conversion.convert(
            input: .init(value: input.name, shape: perExample, layerShape: perExample))
        guard converted.output.count == 1 else {
            throw ONNXError(source, "the output has shape \(converted.output) per example; Loupe needs [N, classes]")
        }
        // Refused here, as a checkpoint's are when it is read: a model imported for evaluation
        // would otherwise print NaN losses.
        for (parameter, tensor) in conversion.parameters.merging(conversion.buffers, uniquingKeysWith: { a, _ in a })
            .sorted(by: { $0.key < $1.key }) where !tensor.scalars.allSatisfy(\.isFinite)
        {
            throw ONNXError(source, "\(parameter) holds NaN or infinity")
        }
        let architecture = Architecture(name: name, inputShape: perExample, layers: converted.layers)
        do {
            model = try Model(
                architecture: architecture, parameters: conversion.parameters, buffers: conversion.buffers)
        } catch {
            throw ONNXError(source, error.description, isSizeLimit: error.isSizeLimit)
        }
        opsetVersion = onnx.opsetVersion
        producer = onnx.producer
        self.notes = notes + conversion.notes
    }
}
