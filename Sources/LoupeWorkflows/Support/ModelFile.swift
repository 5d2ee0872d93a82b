import Foundation
import LoupeData
import LoupeNN
import LoupeONNX
import LoupeSupport

/// A trained model read from a file: a Loupe checkpoint (`.safetensors`) or an ONNX file
/// (`.onnx`, converted into Loupe layers on load; see `ImportedModel`).
public enum ModelFile {
    /// The file name extensions a model file may have.
    public static let extensions = ["safetensors", "onnx"]

    /// Whether `url` names an ONNX file.
    public static func isONNX(_ url: URL) -> Bool { url.pathExtension.lowercased() == "onnx" }

    /// The model in `url`, and what an ONNX import changed (empty for a checkpoint).
    public static func load(_ url: URL) throws -> (model: Model, notes: [String]) {
        guard isONNX(url) else { return (try ModelCheckpoint(contentsOf: url).model, []) }
        // Named as the graph (the same for every file one exporter writes of a network, so
        // a folder of epochs compares equal), else as the file.
        let onnx = try ONNXModel(contentsOf: url)
        let imported = try ImportedModel(
            converting: onnx, source: url.lastPathComponent,
            name: onnx.graph.name.isEmpty ? url.deletingPathExtension().lastPathComponent : onnx.graph.name)
        return (imported.model, imported.notes)
    }
}

extension ModelFile {
    /// The files a model is read from, for a run manifest: the file, and an ONNX model's
    /// external data files.
    public static func inputs(_ url: URL) -> [URL] {
        guard isONNX(url), let onnx = try? ONNXModel(contentsOf: url) else { return [url] }
        return [url] + onnx.externalDataFiles.map { url.deletingLastPathComponent().appendingPathComponent($0) }
    }

    /// Checks that `model` takes `dataset`'s images and predicts at least its classes.
    static func check(_ model: Model, fits dataset: Dataset, model file: URL, data: String) throws {
        let shape = [dataset.shape.channels, dataset.shape.height, dataset.shape.width]
        guard shape == model.architecture.inputShape else {
            throw InputError(
                source: file.relativePath,
                problem: "model expects images \(model.architecture.inputShape) but \(data) has \(shape)")
        }
        guard dataset.classCount <= model.classCount else {
            throw InputError(
                source: file.relativePath,
                problem:
                    "model predicts \(model.classCount) classes but \(data) has labels up to \(dataset.classCount - 1)")
        }
    }
}
