import Foundation
import LoupeSupport
import LoupeTensor

/// A model saved as safetensors, with what is needed to rebuild it and to resume training.
///
/// Tensors keep the model's parameter and buffer names (`conv1.weight`, `bn1.running_mean`),
/// so PyTorch code loads them into a module with the same attribute names; optimiser state is
/// stored under `optimizer.` names. The metadata holds the architecture and the training
/// configuration as JSON, the epoch, the step and the dataset.
public struct ModelCheckpoint {
    public static let formatTag = "loupe-checkpoint-1"

    public var model: Model
    public var training: TrainingConfiguration?
    public var epoch: Int
    public var step: Int
    public var dataset: String?
    /// Optimiser state to resume from (empty for a model-only file).
    public var optimizerState: [String: Tensor]
    /// Pruning masks by parameter name (1 keeps a weight), stored as `U8` tensors named
    /// `mask.<parameter>`.
    public var masks: [String: Tensor] = [:]

    public init(
        model: Model, training: TrainingConfiguration? = nil, epoch: Int = 0, step: Int = 0,
        dataset: String? = nil, optimizerState: [String: Tensor] = [:], masks: [String: Tensor] = [:]
    ) {
        self.model = model
        self.training = training
        self.epoch = epoch
        self.step = step
        self.dataset = dataset
        self.optimizerState = optimizerState
        self.masks = masks
    }

    /// Writes the checkpoint atomically.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var metadata = [
            "format": Self.formatTag,
            "architecture": String(decoding: try encoder.encode(model.architecture), as: UTF8.self),
            "epoch": String(epoch),
            "step": String(step),
        ]
        if let training { metadata["training"] = String(decoding: try encoder.encode(training), as: UTF8.self) }
        if let dataset { metadata["dataset"] = dataset }
        var archive = SafeTensorsArchive(metadata: metadata)
        for (name, tensor) in model.parameters.merging(model.buffers, uniquingKeysWith: { a, _ in a }) {
            archive.setTensor(tensor, named: name)
        }
        for (name, tensor) in optimizerState { archive.setTensor(tensor, named: "optimizer.\(name)") }
        for (name, mask) in masks { archive.setTensor(mask, named: "mask.\(name)", storedAs: .uint8) }
        try archive.write(to: url)
    }

    /// Reads a checkpoint written by `write(to:)`; errors name the file and the problem.
    public init(contentsOf url: URL) throws {
        let file = url.lastPathComponent
        let archive = try SafeTensorsArchive(contentsOf: url)
        let decoder = JSONDecoder()
        guard let architectureJSON = archive.metadata["architecture"] else {
            throw FileError(path: file, problem: "not a Loupe checkpoint (no architecture in the safetensors metadata)")
        }
        let architecture: Architecture
        do { architecture = try decoder.decode(Architecture.self, from: Data(architectureJSON.utf8)) } catch {
            throw FileError(path: file, problem: "invalid architecture in metadata: \(error)")
        }
        var parameters: [String: Tensor] = [:]
        var optimizerState: [String: Tensor] = [:]
        var masks: [String: Tensor] = [:]
        for name in archive.names {
            let tensor = archive[name]!
            if name.hasPrefix("mask.") {
                masks[String(name.dropFirst("mask.".count))] = tensor
            } else if name.hasPrefix("optimizer.") {
                optimizerState[String(name.dropFirst("optimizer.".count))] = tensor
            } else {
                guard tensor.scalars.allSatisfy(\.isFinite) else {
                    throw FileError(path: file, problem: "tensor \(name) contains NaN or infinity")
                }
                parameters[name] = tensor
            }
        }
        do {
            self.model = try Model(architecture: architecture, parameters: parameters, buffers: parameters)
        } catch {
            throw FileError(path: file, problem: error.description)
        }
        if let json = archive.metadata["training"] {
            do { self.training = try decoder.decode(TrainingConfiguration.self, from: Data(json.utf8)) } catch {
                throw FileError(path: file, problem: "invalid training configuration in metadata")
            }
        }
        self.epoch = Int(archive.metadata["epoch"] ?? "0") ?? 0
        self.step = Int(archive.metadata["step"] ?? "0") ?? 0
        self.dataset = archive.metadata["dataset"]
        self.optimizerState = optimizerState
        for (name, mask) in masks {
            guard model.parameters[name]?.shape == mask.shape, mask.scalars.allSatisfy({ $0 == 0 || $0 == 1 }) else {
                throw FileError(path: file, problem: "mask.\(name) does not fit parameter \(name) or is not binary")
            }
        }
        self.masks = masks
    }
}
