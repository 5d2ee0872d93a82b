import Foundation
import LoupeSupport
import LoupeTensor

/// A model saved as safetensors, with what is needed to rebuild it and to resume training.
///
/// Tensors keep the model's parameter and buffer names (`conv1.weight`, `bn1.running_mean`),
/// so PyTorch code loads them into a module with the same attribute names; optimiser state is
/// stored under `optimizer.` names. The metadata holds the architecture and the training
/// configuration as JSON, the epoch, the step and the dataset.
///
/// A parameter with a pruning mask is stored in the smallest ``ParameterStorageLayout``:
/// only its kept weights and their positions (a bitmap or compressed sparse rows), so a pruned
/// model's file shrinks with its sparsity; reading rebuilds the same tensor and mask bit for
/// bit. A file holding such a parameter is tagged ``compactFormatTag``; one without,
/// ``formatTag`` (what Loupe wrote before compact storage, and still reads).
public struct ModelCheckpoint {
    /// The format tag of a checkpoint whose parameters are all stored dense.
    public static let formatTag = "loupe-checkpoint-1"
    /// The format tag of a checkpoint storing a pruned parameter compactly (`sparse.` tensors).
    public static let compactFormatTag = "loupe-checkpoint-2"
    /// The prefix of optimizer state tensors' names in the file (`optimizer.state.0.exp_avg`).
    package static let optimizerPrefix = "optimizer."

    public var model: Model
    public var training: TrainingConfiguration?
    public var epoch: Int
    public var step: Int
    public var dataset: String?
    /// Optimiser state to resume from (empty for a model-only file).
    public var optimizerState: [String: Tensor]
    /// Pruning masks by parameter name (1 keeps a weight), stored with their parameters in
    /// the smallest ``ParameterStorageLayout``.
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
    ///
    /// - Throws: An `InputError` naming the tensor, writing nothing, when a parameter, buffer or
    ///   optimizer tensor holds NaN or infinity: such a file could not be read back (see
    ///   ``init(contentsOf:)``), and a diverged run must keep its last good state; or when a
    ///   mask names no parameter, has another shape or holds a value other than 0 and 1.
    public func write(to url: URL) throws {
        let stored = model.parameters.merging(model.buffers, uniquingKeysWith: { a, _ in a })
        for (name, tensor) in stored.merging(
            optimizerState.map { ("\(Self.optimizerPrefix)\($0.key)", $0.value) }, uniquingKeysWith: { a, _ in a })
        where !tensor.scalars.allSatisfy(\.isFinite) {
            throw InputError(
                source: url.path, problem: "tensor \(name) contains NaN or infinity; not written")
        }
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
        for (name, tensor) in stored where masks[name] == nil { archive.setTensor(tensor, named: name) }
        for (name, tensor) in optimizerState { archive.setTensor(tensor, named: "\(Self.optimizerPrefix)\(name)") }
        for (name, mask) in masks.sorted(by: { $0.key < $1.key }) {
            guard let tensor = model.parameters[name] else {
                throw InputError(source: url.path, problem: "a mask names \(name), which is no parameter; not written")
            }
            let layout = try CompactParameterStorage.store(
                tensor, mask: mask, named: name, in: &archive, file: url.path)
            if layout != .dense { archive.metadata["format"] = Self.compactFormatTag }
        }
        try archive.write(to: url)
    }

    /// Reads a checkpoint written by `write(to:)`; errors name the file, the field and the
    /// problem.
    ///
    /// The architecture in the metadata is built and checked against the memory budget
    /// (`Architecture.build()`) before the model is made, every parameter must be present with
    /// its architecture's shape and finite values, `epoch` and `step` must be whole
    /// numbers >= 0 (0 when absent, as in a file that holds only a model), the training
    /// configuration must pass `TrainingConfiguration.validate()`, a `format` tag, when
    /// present, must be ``formatTag`` or ``compactFormatTag``, and compactly stored parameters
    /// must pass `CompactParameterStorage.load(from:shapes:file:)`'s checks. Files with masks
    /// as dense `U8` tensors (`mask.<parameter>`, written before compact storage) still load.
    public init(contentsOf url: URL) throws {
        let file = url.path
        let archive = try SafeTensorsArchive(contentsOf: url)
        let decoder = JSONDecoder()
        guard let architectureJSON = archive.metadata["architecture"] else {
            throw InputError(
                source: file, problem: "not a Loupe checkpoint (no architecture in the safetensors metadata)")
        }
        if let format = archive.metadata["format"], format != Self.formatTag, format != Self.compactFormatTag {
            throw InputError(
                source: file,
                problem:
                    "metadata 'format' is \(String(format.prefix(40)).debugDescription), this Loupe reads \(Self.formatTag) and \(Self.compactFormatTag)"
            )
        }
        if let scheme = archive.metadata["scheme"] {
            throw InputError(
                source: file,
                problem:
                    "a quantized model (scheme \(String(scheme.prefix(40)).debugDescription)) written for deployment, not a checkpoint; give the checkpoint it was made from"
            )
        }
        let architecture: Architecture
        do { architecture = try decoder.decode(Architecture.self, from: Data(architectureJSON.utf8)) } catch {
            let reason = (error as? DecodingError).map(Architecture.describe) ?? "\(error)"
            throw InputError(source: file, problem: "invalid architecture in metadata: \(reason)")
        }
        let network: Sequential
        do { network = try architecture.build() } catch {
            throw InputError(source: file, problem: "architecture in metadata: \(error.description)")
        }
        var (parameters, masks) = try CompactParameterStorage.load(
            from: archive, shapes: Dictionary(network.parameterSpecs.map { ($0.name, $0.shape) }) { a, _ in a },
            file: file)
        var optimizerState: [String: Tensor] = [:]
        for name in archive.names where !name.hasPrefix(CompactParameterStorage.prefix) {
            let tensor = archive[name]!
            if name.hasPrefix(CompactParameterStorage.maskPrefix) {
                masks[String(name.dropFirst(CompactParameterStorage.maskPrefix.count))] = tensor
            } else if name.hasPrefix(Self.optimizerPrefix) {
                optimizerState[String(name.dropFirst(Self.optimizerPrefix.count))] = tensor
            } else {
                guard tensor.scalars.allSatisfy(\.isFinite) else {
                    throw InputError(source: file, problem: "tensor \(name) contains NaN or infinity")
                }
                parameters[name] = tensor
            }
        }
        // A tensor the architecture has no place for is a file that does not match it.
        let known = Set((network.parameterSpecs + network.bufferSpecs).map(\.name))
        if let extra = parameters.keys.sorted().first(where: { !known.contains($0) }) {
            throw InputError(
                source: file,
                problem: "tensor \(extra) is not a parameter or buffer of the architecture in its metadata")
        }
        do {
            self.model = try Model(architecture: architecture, parameters: parameters, buffers: parameters)
        } catch {
            throw InputError(source: file, problem: error.description)
        }
        if let json = archive.metadata["training"] {
            let training: TrainingConfiguration
            do { training = try decoder.decode(TrainingConfiguration.self, from: Data(json.utf8)) } catch {
                let reason = (error as? DecodingError).map(Architecture.describe) ?? "\(error)"
                throw InputError(source: file, problem: "invalid training configuration in metadata: \(reason)")
            }
            // A configuration that could not have trained (batch size 0, a negative crop
            // padding) is a lie: refused here rather than trusted by a resume.
            do { try training.validate() } catch {
                throw InputError(source: file, problem: "training configuration in metadata: \(error.description)")
            }
            self.training = training
        }
        self.epoch = try Self.count(archive.metadata, "epoch", in: file)
        self.step = try Self.count(archive.metadata, "step", in: file)
        self.dataset = archive.metadata["dataset"]
        self.optimizerState = optimizerState
        for (name, mask) in masks {
            guard model.parameters[name]?.shape == mask.shape, mask.scalars.allSatisfy({ $0 == 0 || $0 == 1 }) else {
                throw InputError(source: file, problem: "mask.\(name) does not fit parameter \(name) or is not binary")
            }
        }
        self.masks = masks
    }

    /// A whole number >= 0 stored under `key` in the metadata, 0 when absent.
    private static func count(_ metadata: [String: String], _ key: String, in file: String) throws -> Int {
        guard let text = metadata[key] else { return 0 }
        guard let value = Int(text), value >= 0, String(value) == text else {
            throw InputError(
                source: file,
                problem:
                    "metadata '\(key)' must be a whole number >= 0, got \(String(text.prefix(40)).debugDescription)")
        }
        return value
    }
}
