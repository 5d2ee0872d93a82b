import Foundation
import LoupeSupport

extension ONNXModel {
    /// The model as ONNX protobuf bytes: one file with every tensor's data in `raw_data`
    /// (little-endian, in each tensor's `dataType`: see ``ONNXTensor``).
    ///
    /// `producer` is written as `producer_name` and `producer_version`, split at its first
    /// space; the opsets imported are the default domain's (``opsetVersion``) and version 1 of
    /// any other domain a node uses. The encoding must stay under protobuf's 2 GiB limit (a
    /// model of about 500 million floats); ``write(to:)`` throws beyond it.
    public func serialized() -> [UInt8] {
        do {
            return try encoded(source: "ONNXModel.serialized()")
        } catch {
            preconditionFailure("\(error)")
        }
    }

    /// Writes the model to `url` as one ONNX file (see ``serialized()``), atomically: the file
    /// is either replaced whole or left as it was.
    ///
    /// - Throws: `ONNXError` when a tensor holds a number of values other than its shape's
    ///   count, or the encoding reaches protobuf's 2 GiB limit; an error of `AtomicFile` when
    ///   the file cannot be written.
    public func write(to url: URL) throws {
        let source = url.lastPathComponent
        try checkTensorSizes(source: source)
        try AtomicFile.write(Data(try encoded(source: source)), to: url)
    }

    /// The `ModelProto` of this model.
    var proto: ProtoONNX_ModelProto {
        var proto = ProtoONNX_ModelProto()
        proto.irVersion = Int64(irVersion)
        if let space = producer.firstIndex(of: " ") {
            proto.producerName = String(producer[..<space])
            proto.producerVersion = String(producer[producer.index(after: space)...])
        } else {
            proto.producerName = producer
        }
        var opset = ProtoONNX_OperatorSetIdProto()
        opset.domain = ""
        opset.version = Int64(opsetVersion)
        proto.opsetImport = [opset]
        let domains = Set(graph.nodes.map(\.domain)).subtracting(["", "ai.onnx"])
        for domain in domains.sorted() {
            var other = ProtoONNX_OperatorSetIdProto()
            other.domain = domain
            other.version = 1
            proto.opsetImport.append(other)
        }
        proto.graph = graph.proto
        return proto
    }

    func encoded(source: String) throws(ONNXError) -> [UInt8] {
        do {
            return try proto.serializedBytes()
        } catch {
            // The only failure a model without required fields can meet: the size limit.
            throw ONNXError(source, "the model's encoding reaches protobuf's 2 GiB limit", isSizeLimit: true)
        }
    }

    /// Throws when a tensor (an initializer or a tensor attribute) holds more or fewer values
    /// than its shape's count, in the array its data type uses.
    func checkTensorSizes(source: String) throws(ONNXError) {
        func check(_ tensor: ONNXTensor, _ what: String) throws(ONNXError) {
            let values = tensor.dataType.isFloatingPoint ? tensor.floats.count : tensor.integers.count
            guard tensor.shape.allSatisfy({ $0 >= 0 }), CheckedSize.product(tensor.shape) == values else {
                throw ONNXError(
                    source,
                    "\(what) holds \(values) \(tensor.dataType.isFloatingPoint ? "floats" : "integers") for shape \(tensor.shape)"
                )
            }
        }
        for (name, tensor) in graph.initializers.sorted(by: { $0.key < $1.key }) {
            try check(tensor, "initializer '\(name)'")
        }
        for node in graph.nodes {
            for (name, attribute) in node.attributes.sorted(by: { $0.key < $1.key }) {
                if case .tensor(let tensor) = attribute { try check(tensor, "attribute '\(name)' of \(node.label)") }
            }
        }
    }
}
