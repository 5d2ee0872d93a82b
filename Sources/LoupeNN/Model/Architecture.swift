import Foundation

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

    /// Reads an architecture JSON file; errors name the file and the problem.
    public init(contentsOf url: URL) throws(ModelError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError("\(url.path): cannot read architecture file")
        }
        do { self = try JSONDecoder().decode(Architecture.self, from: data) } catch let DecodingError.dataCorrupted(
            context)
        {
            throw ModelError("\(url.lastPathComponent): invalid architecture: \(context.debugDescription)")
        } catch {
            throw ModelError("\(url.lastPathComponent): invalid architecture: \(error)")
        }
    }

    /// Builds the layers, inferring every input size from `inputShape` and naming unnamed
    /// parametric layers in order (`conv1`, `fc1`, `bn1`, ...).
    public func build() throws(ModelError) -> Sequential {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw ModelError("architecture \(name): invalid input shape \(inputShape)")
        }
        var builder = Builder()
        let network = try builder.sequence(layers, input: inputShape).layer
        let names = network.parameterSpecs.map(\.name)
        if Set(names).count != names.count {
            throw ModelError("architecture \(name): duplicate parameter names in \(names)")
        }
        return network
    }

    private struct Builder {
        var counters: [String: Int] = [:]

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
                layers.append(layer)
            }
            return (Sequential(layers), shape)
        }

        mutating func make(_ description: LayerDescription, input: [Int]) throws(ModelError) -> any Layer {
            switch description {
            case .linear(let given, let out, let bias):
                guard input.count == 1 else {
                    throw ModelError("linear layer needs a flat input, got shape \(input) (add a flatten layer)")
                }
                return Linear(
                    name: name(given, prefix: "fc"), inputFeatures: input[0], outputFeatures: out, hasBias: bias)
            case .conv2d(let given, let out, let kernel, let stride, let padding, let bias):
                guard input.count == 3 else { throw ModelError("conv2d needs a (C, H, W) input, got shape \(input)") }
                return Conv2d(
                    name: name(given, prefix: "conv"), inputChannels: input[0], outputChannels: out,
                    kernelSize: kernel, stride: stride, padding: padding, hasBias: bias)
            case .maxPool2d(let kernel, let stride): return MaxPool2d(kernelSize: kernel, stride: stride)
            case .avgPool2d(let kernel, let stride): return AvgPool2d(kernelSize: kernel, stride: stride)
            case .globalAvgPool: return GlobalAvgPool()
            case .batchNorm(let given):
                guard let features = input.first else { throw ModelError("batchnorm needs an input") }
                return BatchNorm(name: name(given, prefix: "bn"), features: features)
            case .dropout(let rate): return Dropout(rate: rate)
            case .activation(let function): return Activation(function)
            case .flatten: return Flatten()
            case .sequential(let layers): return try sequence(layers, input: input).layer
            case .residual(let body, let shortcut):
                let main = try sequence(body, input: input).layer
                let side = try shortcut.map { (s) throws(ModelError) in try sequence(s, input: input).layer }
                return ResidualBlock(body: main, shortcut: side)
            }
        }
    }
}
