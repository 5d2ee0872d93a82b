extension Model {
    /// A copy of the model whose layers matching `filter` are replaced by `apply(layer)`, in
    /// the manner of mlx-swift's `quantize(model:filter:apply:)`: other modules substitute
    /// their own layers for built-in ones this way (quantized layers, a convolution with a
    /// per-position bias), and the model stays free of them.
    ///
    /// Layers are visited from the outside in: a matching layer is replaced whole, and the
    /// layers inside one that does not match (a residual block's, a sequence's) are visited in
    /// turn. The parameters, buffers and architecture are kept, so checkpoints store the
    /// rewritten model as the original; the original model is unchanged.
    ///
    /// - Throws: `ModelError` when the rewritten network does not have exactly the original's
    ///   parameters and buffers (names and shapes, in order) or changes the output shape.
    public func rewritingLayers(
        where filter: (any Layer) -> Bool, with apply: (any Layer) -> any Layer
    ) throws(ModelError) -> Model {
        func rewrite(_ layer: any Layer) -> any Layer {
            filter(layer) ? apply(layer) : layer.mappingSublayers(rewrite)
        }
        let rewritten = Sequential(network.layers.map(rewrite))
        guard rewritten.parameterSpecs == network.parameterSpecs, rewritten.bufferSpecs == network.bufferSpecs else {
            throw ModelError("rewriting the layers of \(architecture.name) changed its parameters or buffers")
        }
        let model = try Model(
            architecture: architecture, network: rewritten, parameters: parameters, buffers: buffers,
            activationScalarsPerExample: activationScalarsPerExample, largestActivationScalars: largestActivationScalars
        )
        guard model.outputShape == outputShape else {
            throw ModelError(
                "rewriting the layers of \(architecture.name) changed its output shape from \(outputShape) to \(model.outputShape)"
            )
        }
        return model
    }
}
