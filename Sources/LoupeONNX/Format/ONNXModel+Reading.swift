import Foundation
import LoupeSupport
import SwiftProtobuf

extension ONNXModel {
    /// The opsets of the default domain Loupe reads and writes: 13 to 20.
    public static let supportedOpsets: ClosedRange<Int> = FormatLimits.opsets

    /// Reads the ONNX model at `url`, with the tensors that the model keeps in external data
    /// files (PyTorch's `<name>.onnx.data`) read from the model's folder.
    ///
    /// See ``init(serialized:source:externalDataFolder:)`` for what is checked.
    ///
    /// - Throws: `ONNXError` naming the file when it cannot be read (not a regular file, over
    ///   the memory budget) or is not a model Loupe can use.
    public init(contentsOf url: URL) throws(ONNXError) {
        let source = url.lastPathComponent
        let bytes: [UInt8]
        do {
            bytes = try InputFile.read(url, name: source)
        } catch {
            // InputFile's only size problem is a file over the budget.
            throw ONNXError(error.source, error.problem, isSizeLimit: error.problem.contains("memory budget"))
        }
        try self.init(serialized: bytes, source: source, externalDataFolder: url.deletingLastPathComponent())
    }

    /// Decodes an ONNX model from its protobuf bytes.
    ///
    /// Reading checks, before it allocates anything sized by the file:
    /// - the bytes are a `ModelProto` with a graph, and the default domain's opset (`""` or
    ///   `ai.onnx`) is one of ``supportedOpsets``;
    /// - every tensor (initializer, `Constant` value, tensor attribute) has a supported element
    ///   type, at most 8 dimensions, each from 0 to 2^31 - 1, and data of exactly its shape's
    ///   size, from `raw_data` (little-endian), the typed fields, or an external data file;
    ///   the tensors' decoded sizes together fit the memory budget;
    /// - external data lies in a regular file inside `externalDataFolder` (a relative
    ///   `location` without `..`), and `offset` and `length` lie within it;
    /// - the graph has at most 100,000 nodes, every node input is empty (omitted), a graph input,
    ///   an initializer or a node's output, no value is produced twice, every graph output is
    ///   produced, and the nodes have no cycle. The nodes are sorted so that each follows the
    ///   producers of its inputs (the file's order when it already is such an order);
    /// - attributes are of the kinds ``ONNXAttribute`` holds (no subgraphs).
    ///
    /// Graph inputs that are also initializers (as older exporters list them) are not among
    /// the graph's ``ONNXGraph/inputs``.
    ///
    /// - Parameters:
    ///   - source: how errors name the model (its file name).
    ///   - externalDataFolder: the folder external data locations are relative to; nil when
    ///     the model must hold all its data (a tensor with external data is then an error).
    /// - Throws: `ONNXError`: one line naming `source` and the problem (the tensor, node or
    ///   value, and the sizes involved).
    public init(serialized bytes: [UInt8], source: String, externalDataFolder: URL?) throws(ONNXError) {
        try self.init(serialized: bytes, source: source, externalDataFolder: externalDataFolder, budget: .current)
    }

    /// ``init(serialized:source:externalDataFolder:)`` with the tensors held to `budget`.
    init(serialized bytes: [UInt8], source: String, externalDataFolder: URL?, budget: MemoryBudget) throws(ONNXError) {
        let context = DecodingContext(source: source, budget: budget, externalDataFolder: externalDataFolder)
        let proto: ProtoONNX_ModelProto
        do {
            var options = BinaryDecodingOptions()
            options.discardUnknownFields = true
            proto = try ProtoONNX_ModelProto(serializedBytes: bytes, options: options)
        } catch {
            throw context.error("not an ONNX model: truncated or corrupt protobuf (\(Self.describe(error)))")
        }
        guard proto.hasGraph else { throw context.error("not an ONNX model: no graph") }
        self.init(
            irVersion: Int(proto.irVersion), opsetVersion: try Self.defaultOpset(proto.opsetImport, context: context),
            producer: proto.producerVersion.isEmpty
                ? proto.producerName : "\(proto.producerName) \(proto.producerVersion)",
            graph: try ONNXGraph(decoding: proto.graph, context: context))
        externalDataFiles = context.externalData?.locations ?? []
    }

    /// The version of the default domain's operator set, checked to be supported.
    static func defaultOpset(_ imports: [ProtoONNX_OperatorSetIdProto], context: DecodingContext) throws(ONNXError)
        -> Int
    {
        let versions = Set(imports.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }.map(\.version))
        guard let version = versions.first else {
            throw context.error("no opset for the default domain (ai.onnx) in opset_import")
        }
        guard versions.count == 1 else {
            throw context.error("opset_import gives the default domain several versions \(versions.sorted())")
        }
        guard supportedOpsets.contains(Int(version)) else {
            throw context.error(
                "opset \(version) is not supported (Loupe reads opsets \(supportedOpsets.lowerBound) to \(supportedOpsets.upperBound))"
            )
        }
        return Int(version)
    }

    /// SwiftProtobuf's decoding error in a few words: `truncated`, `malformedProtobuf`, ...
    static func describe(_ error: any Error) -> String {
        String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
