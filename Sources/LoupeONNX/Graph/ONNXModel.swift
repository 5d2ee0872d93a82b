/// An ONNX model as Loupe holds it: the operator set it was written for and one graph.
///
/// Only what Loupe needs is kept: the default-domain opset, who produced the file, and the
/// graph with its tensors decoded. Reading checks every size against the memory budget and
/// the graph's structure (see ``ONNXGraph``); writing produces a file onnxruntime loads.
public struct ONNXModel: Equatable, Sendable {
    /// The ONNX IR version (`ModelProto.ir_version`).
    public var irVersion: Int
    /// The version of the default operator set (domain `""` or `ai.onnx`).
    public var opsetVersion: Int
    /// `producer_name` and `producer_version`, joined by a space (`pytorch 2.13.0`).
    public var producer: String
    public var graph: ONNXGraph
    /// The external data files the tensors were read from, relative to the model's folder
    /// (PyTorch's `<name>.onnx.data`); empty for a self-contained file.
    public var externalDataFiles: [String] = []

    public init(irVersion: Int, opsetVersion: Int, producer: String, graph: ONNXGraph) {
        self.irVersion = irVersion
        self.opsetVersion = opsetVersion
        self.producer = producer
        self.graph = graph
    }
}
