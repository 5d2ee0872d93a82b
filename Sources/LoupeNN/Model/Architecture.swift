import Foundation
import LoupeSupport

/// A network's structure: the input shape and the layers, serialisable as JSON.
///
/// ```json
/// {"name": "tiny", "inputShape": [1, 28, 28],
///  "layers": [{"type": "flatten"}, {"type": "linear", "out": 64}, {"type": "relu"},
///             {"type": "linear", "out": 10}]}
/// ```
public struct Architecture: Codable, Equatable, Sendable {
    public var name: String
    /// Input shape without the batch dimension: `[channels, height, width]`.
    public var inputShape: [Int]
    public var layers: [LayerDescription]

    public init(name: String, inputShape: [Int], layers: [LayerDescription]) {
        self.name = name
        self.inputShape = inputShape
        self.layers = layers
    }

    private enum CodingKeys: String, CodingKey { case name, inputShape, layers }

    /// Whether every layer is a fully connected layer or one applied value by value between
    /// them (activations, flatten, dropout, input normalisation): a network whose work is its
    /// products, which split by rows without copying any input.
    public var isFullyConnected: Bool { layers.allSatisfy(\.isFullyConnected) }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        var shape = try container.nestedUnkeyedContainer(forKey: .inputShape)
        inputShape = []
        while !shape.isAtEnd { inputShape.append(try shape.decodeSize(field: "inputShape[\(shape.currentIndex)]")) }
        layers = try container.decode([LayerDescription].self, forKey: .layers)
    }

    /// Reads an architecture JSON file and checks that it builds within the memory budget
    /// (see ``build()``); errors name the file, the layer and the problem.
    public init(contentsOf url: URL) throws(ModelError) {
        let file = url.lastPathComponent
        let data: Data
        // Through InputFile: a regular file within the memory budget (a FIFO, a device or a
        // huge file is refused before anything is read), named in the error.
        do { data = Data(try InputFile.read(url)) } catch {
            throw ModelError("\(error.source): cannot read architecture file: \(error.problem)")
        }
        do { self = try JSONDecoder().decode(Architecture.self, from: data) } catch let error as DecodingError {
            throw ModelError("\(file): invalid architecture: \(Self.describe(error))")
        } catch {
            throw ModelError("\(file): invalid architecture: \(error)")
        }
        do { _ = try build() } catch {
            throw ModelError("\(file): \(error.description)", isSizeLimit: error.isSizeLimit)
        }
    }

    /// Builds the layers, inferring every input size from `inputShape` and naming unnamed
    /// parametric layers in order (`conv1`, `fc1`, `bn1`, ...).
    ///
    /// Every size is validated before anything is allocated: shapes, parameter counts and
    /// activation sizes are computed with overflow-checked arithmetic, and the memory that
    /// training the network needs (five 4-byte copies of every parameter, for the weights,
    /// gradients, optimizer state and packed forms, plus the largest activation of one image)
    /// must fit the memory budget: 4 GiB unless `LOUPE_MEMORY_BUDGET` raises it (see
    /// `MemoryBudget`). Errors name the layer.
    public func build() throws(ModelError) -> Sequential { try built().network }

    /// The built layers and the memory they need.
    func built() throws(ModelError) -> (network: Sequential, footprint: ArchitectureFootprint) {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw ModelError("architecture \(name): invalid input shape \(inputShape)")
        }
        var builder = Builder()
        try builder.footprint.addInput(inputShape)
        let network = try builder.sequence(layers, input: inputShape).layer
        let names = network.parameterSpecs.map(\.name)
        if Set(names).count != names.count {
            throw ModelError("architecture \(name): duplicate parameter names in \(names)")
        }
        return (network, builder.footprint)
    }

    /// A decoding error in one line: the problem, then where (`missing 'out' at layers.2`).
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty
                ? "" : " at " + keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return context.debugDescription + (underlying.map { " (\($0))" } ?? "") + path(context.codingPath)
        case .keyNotFound(let key, let context):
            return "missing '\(key.stringValue)'" + path(context.codingPath)
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "expected \(type)" + path(context.codingPath)
        @unknown default:
            return "\(error)"
        }
    }

    private struct Builder {
        var counters: [String: Int] = [:]
        /// The memory the layers built so far need, checked against the budget layer by layer.
        var footprint = ArchitectureFootprint()

        mutating func name(_ given: String?, prefix: String) -> String {
            if let given { return given }
            counters[prefix, default: 0] += 1
            return "\(prefix)\(counters[prefix]!)"
        }

        mutating func sequence(_ descriptions: [LayerDescription], input: [Int]) throws(ModelError) -> (
            layer: Sequential, output: [Int]
        ) {
            var shape = input
            var layers: [any Layer] = []
            for description in descriptions {
                let layer = try make(description, input: shape)
                shape = try layer.outputShape(for: shape)
                switch description {
                case .sequential, .residual: break  // their layers were added as they were made
                default: try footprint.add(layer, label: layer.description.label, output: shape)
                }
                layers.append(layer)
            }
            return (Sequential(layers), shape)
        }

        mutating func make(_ description: LayerDescription, input: [Int]) throws(ModelError) -> any Layer {
            switch description {
            case .linear(let given, let out, let bias):
                let layerName = self.name(given, prefix: "fc")
                guard input.count == 1 else {
                    throw ModelError(
                        "\(layerName): linear layer needs a flat input, got shape \(input) (add a flatten layer)")
                }
                return Linear(name: layerName, inputFeatures: input[0], outputFeatures: out, hasBias: bias)
            case .conv2d(let given, let out, let kernel, let stride, let padding, let bias):
                let layerName = self.name(given, prefix: "conv")
                guard input.count == 3 else {
                    throw ModelError("\(layerName): conv2d needs a (C, H, W) input, got shape \(input)")
                }
                return Conv2d(
                    name: layerName, inputChannels: input[0], outputChannels: out,
                    kernelSize: kernel, stride: stride, padding: padding, hasBias: bias)
            case .maxPool2d(let kernel, let stride): return MaxPool2d(kernelSize: kernel, stride: stride)
            case .avgPool2d(let kernel, let stride): return AvgPool2d(kernelSize: kernel, stride: stride)
            case .globalAvgPool: return GlobalAvgPool()
            case .batchNorm(let given, let epsilon):
                let layerName = self.name(given, prefix: "bn")
                guard let features = input.first else { throw ModelError("\(layerName): batchnorm needs an input") }
                return BatchNorm(name: layerName, features: features, epsilon: epsilon)
            case .dropout(let rate): return Dropout(rate: rate)
            case .activation(let function): return Activation(function)
            case .leakyReLU(let slope): return LeakyReLU(slope: slope)
            case .flatten: return Flatten()
            case .normalize(let mean, let std): return Normalize(mean: mean, std: std)
            case .sequential(let layers): return try sequence(layers, input: input).layer
            case .residual(let body, let shortcut):
                let main = try sequence(body, input: input).layer
                let side = try shortcut.map { (s) throws(ModelError) in try sequence(s, input: input).layer }
                return ResidualBlock(body: main, shortcut: side)
            }
        }
    }
}
