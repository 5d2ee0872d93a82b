import LoupeNN
import LoupeTensor

extension Model {
    /// This model with the units of its prunable layers (``PrunableUnitLayer``) not in `kept`
    /// removed physically: a smaller architecture (each pruned layer's `out` is its kept
    /// count, every input size inferred again) and smaller tensors, so the dense kernels do
    /// less work. A pruned layer loses its weight slices and bias entries, a batch norm after
    /// it the scale, shift and running statistics of the removed channels, and its consumer the
    /// matching input columns (a linear layer after a flatten: the `H * W` columns of each
    /// removed channel). Layers missing from `kept` keep every unit. Names do not change: the
    /// architecture keeps its layer list, so `conv2` is still `conv2`.
    ///
    /// The result computes what the full-size model computes with the removed units masked
    /// (``StructuredPruner``'s masks), up to the order of float sums.
    ///
    /// - Throws: ``CompressionError`` when a layer of `kept` is not prunable or its units are
    ///   not increasing, distinct and in range, or the layout is unsupported.
    public func removingUnits(keeping kept: [String: [Int]]) throws(CompressionError) -> Model {
        let layers = try PrunableUnitLayer.layers(of: architecture)
        try StructuredPruner.validate(kept, layers: layers)
        var parameters = self.parameters
        var buffers = self.buffers
        func select(
            _ slices: PrunableUnitLayer.UnitSlices, of layer: PrunableUnitLayer, units: [Int], axis: Int
        ) throws(CompressionError) {
            let isParameter = parameters[slices.tensor] != nil
            guard let tensor = parameters[slices.tensor] ?? buffers[slices.tensor], tensor.shape.count > axis,
                tensor.shape[axis] == layer.unitCount * slices.block
            else {
                throw CompressionError(
                    "structured pruning: \(slices.tensor) does not have \(layer.unitCount) x \(slices.block) entries along axis \(axis) for the units of \(layer.name)"
                )
            }
            let selected = tensor.keepingUnits(units, block: slices.block, axis: axis)
            if isParameter { parameters[slices.tensor] = selected } else { buffers[slices.tensor] = selected }
        }
        var widths: [String: Int] = [:]
        for layer in layers {
            guard let units = kept[layer.name] else { continue }
            widths[layer.name] = units.count
            for slices in layer.unitTensors { try select(slices, of: layer, units: units, axis: 0) }
            try select(layer.consumer, of: layer, units: units, axis: 1)
        }
        let network: Sequential
        do { network = try architecture.build() } catch { throw CompressionError(error.description) }
        let shrunk = Architecture(
            name: architecture.name, inputShape: architecture.inputShape,
            layers: Self.resized(architecture.layers, network.layers, widths: widths))
        do { return try Model(architecture: shrunk, parameters: parameters, buffers: buffers) } catch {
            throw CompressionError("structured pruning of \(architecture.name): \(error.description)")
        }
    }

    /// The weights (role `.weight`) of `dense` (the architecture this model was shrunk from)
    /// that this model no longer has or holds as zeros: over all weights, and per weight tensor
    /// of `dense` as a fraction of that tensor. For a model of `dense` itself this is its
    /// ``weightSparsity`` and ``weightSparsityPerTensor``.
    public func removedWeights(relativeTo dense: Architecture) throws(CompressionError) -> (
        overall: Double, perTensor: [String: Double]
    ) {
        let network: Sequential
        do { network = try dense.build() } catch { throw CompressionError(error.description) }
        let present = Dictionary(uniqueKeysWithValues: weightSparsityPerTensor.map { ($0.name, $0) })
        var perTensor: [String: Double] = [:]
        var (removed, total) = (0, 0)
        for spec in network.parameterSpecs where spec.role == .weight {
            let count = spec.shape.reduce(1, *)
            let kept = present[spec.name].map { $0.weights - $0.zeros } ?? 0
            perTensor[spec.name] = Double(count - kept) / Double(max(1, count))
            removed += count - kept
            total += count
        }
        return (Double(removed) / Double(max(1, total)), perTensor)
    }

    /// The fraction of `dense`'s prunable units (``PrunableUnitLayer``) this model no longer
    /// has, over all prunable layers.
    public func removedUnitFraction(relativeTo dense: Architecture) throws(CompressionError) -> Double {
        let widths = Dictionary(
            uniqueKeysWithValues: try PrunableUnitLayer.layers(of: architecture).map { ($0.name, $0.unitCount) })
        let original = try PrunableUnitLayer.layers(of: dense)
        let total = original.reduce(0) { $0 + $1.unitCount }
        let removed = original.reduce(0) { $0 + $1.unitCount - (widths[$1.name] ?? 0) }
        return Double(removed) / Double(max(1, total))
    }

    /// `descriptions` with the `out` of each convolution and linear layer named in `widths`
    /// replaced; `built` is `descriptions` built (it gives the layers their names).
    private static func resized(
        _ descriptions: [LayerDescription], _ built: [any Layer], widths: [String: Int]
    ) -> [LayerDescription] {
        zip(descriptions, built).map { description, layer in
            switch (description, layer) {
            case (.conv2d(let name, let out, let kernel, let stride, let padding, let bias), let conv as Conv2d):
                .conv2d(
                    name: name, outputChannels: widths[conv.name] ?? out, kernelSize: kernel, stride: stride,
                    padding: padding, bias: bias)
            case (.linear(let name, let out, let bias), let linear as Linear):
                .linear(name: name, outputFeatures: widths[linear.name] ?? out, bias: bias)
            case (.sequential(let inner), let sequence as Sequential):
                .sequential(resized(inner, sequence.layers, widths: widths))
            case (.residual(let body, let shortcut), let block as ResidualBlock):
                .residual(
                    body: resized(body, block.body.layers, widths: widths),
                    shortcut: shortcut.map { resized($0, block.shortcut?.layers ?? [], widths: widths) })
            default: description
            }
        }
    }
}

extension Tensor {
    /// The entries whose index along `axis` lies in the block of a kept unit: unit `u` owns
    /// indices `u * block ..< (u + 1) * block` of that axis; `units` in the order given.
    func keepingUnits(_ units: [Int], block: Int, axis: Int) -> Tensor {
        let outer = shape[..<axis].reduce(1, *)
        let length = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        let indices = units.flatMap { ($0 * block)..<(($0 + 1) * block) }
        var result: [Float] = []
        result.reserveCapacity(outer * indices.count * inner)
        withUnsafeBufferPointer { values in
            for o in 0..<outer {
                for index in indices {
                    let start = (o * length + index) * inner
                    result.append(contentsOf: values[start..<(start + inner)])
                }
            }
        }
        var newShape = shape
        newShape[axis] = indices.count
        return Tensor(shape: newShape, scalars: result)
    }
}
