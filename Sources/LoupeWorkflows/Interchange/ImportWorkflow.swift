import Foundation
import LoupeNN
import LoupeONNX
import LoupeSupport

/// Converts an ONNX model into a Loupe checkpoint once (`loupe import`), so later commands
/// read it without converting again. The checkpoint keeps the file's tensor names (PyTorch's
/// state-dict names when the exporter kept them).
public struct ImportWorkflow {
    public struct Configuration: Sendable {
        /// The ONNX file (its external data is read from beside it).
        public var model: URL
        /// The checkpoint to write (`.safetensors`).
        public var output: URL
        /// Data the model must fit (image shape and class count), if given.
        public var data: DataSource?

        public init(model: URL, output: URL, data: DataSource? = nil) {
            (self.model, self.output, self.data) = (model, output, data)
        }
    }

    /// The imported model and what the import did.
    public struct Result: Sendable {
        public var configuration: Configuration
        public var imported: ImportedModel

        /// A summary for the terminal: the source, the layers, the parameters, the notes.
        public var lines: [String] {
            let model = imported.model
            var lines = [
                "\(configuration.model.relativePath): opset \(imported.opsetVersion), written by \(imported.producer.isEmpty ? "an unnamed producer" : imported.producer)",
                "input \(model.architecture.inputShape) -> \(model.classCount) classes, \(model.parameterCount) parameters",
                "layers: " + model.architecture.layers.map(\.label).joined(separator: " "),
            ]
            lines += imported.notes.map { "note: \($0)" }
            return lines
        }

        /// Writes the checkpoint atomically.
        public func write() throws {
            try ModelCheckpoint(model: imported.model, dataset: configuration.data?.data).write(
                to: configuration.output)
        }
    }

    public var configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// Reads and converts; nothing is written, so a wrong input leaves no output.
    public func run(progress: any WorkflowProgress) throws -> Result {
        let source = configuration.model
        let onnx = try ONNXModel(contentsOf: source)
        let imported = try ImportedModel(
            converting: onnx, source: source.lastPathComponent, name: source.deletingPathExtension().lastPathComponent)
        if let data = configuration.data {
            try ModelFile.check(imported.model, fits: try data.load().splits.train, model: source, data: data.data)
        }
        return Result(configuration: configuration, imported: imported)
    }
}
