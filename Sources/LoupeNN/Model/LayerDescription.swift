/// The serialisable description of a layer, as it appears in an architecture JSON file.
///
/// Input sizes are not written: they are inferred from the input shape when the
/// architecture is built. Parametric layers may carry a name; unnamed ones are numbered in
/// order (`conv1`, `conv2`, `fc1`, `bn1`, ...), which gives parameters stable names such as
/// `conv1.weight`.
///
/// JSON form: `{"type": "conv2d", "out": 32, "kernel": 3, "stride": 1, "padding": 1}`,
/// `{"type": "linear", "out": 10}`, `{"type": "relu"}`, `{"type": "maxpool", "kernel": 2}`,
/// `{"type": "residual", "body": [...], "shortcut": [...]}`,
/// `{"type": "normalize", "mean": [0.5], "std": [0.25]}` (fixed per-channel input
/// normalisation, one mean and one positive standard deviation per channel),
/// `{"type": "leakyrelu", "slope": 0.1}`; a batch norm may give `"epsilon"` (default 1e-5).
public indirect enum LayerDescription: Equatable, Sendable {
    case linear(name: String?, outputFeatures: Int, bias: Bool)
    case conv2d(name: String?, outputChannels: Int, kernelSize: Int, stride: Int, padding: Int, bias: Bool)
    case maxPool2d(kernelSize: Int, stride: Int)
    case avgPool2d(kernelSize: Int, stride: Int)
    case globalAvgPool
    case batchNorm(name: String?, epsilon: Float = 1e-5)
    case dropout(rate: Float)
    case activation(Activation.Function)
    /// ``LeakyReLU`` with the given negative slope.
    case leakyReLU(slope: Float)
    case flatten
    case sequential([LayerDescription])
    case residual(body: [LayerDescription], shortcut: [LayerDescription]?)
    /// Fixed per-channel normalisation `(x - mean[c]) / std[c]` (``Normalize``).
    case normalize(mean: [Float], std: [Float])

    /// A short label for tables: the layer's name, or its type.
    public var label: String {
        switch self {
        case .linear(let name, _, _): name ?? "linear"
        case .conv2d(let name, _, _, _, _, _): name ?? "conv2d"
        case .maxPool2d: "maxpool"
        case .avgPool2d: "avgpool"
        case .globalAvgPool: "globalavgpool"
        case .batchNorm(let name, _): name ?? "batchnorm"
        case .dropout: "dropout"
        case .activation(let function): function.rawValue
        case .leakyReLU: "leakyrelu"
        case .flatten: "flatten"
        case .sequential: "sequential"
        case .residual: "residual"
        case .normalize: "normalize"
        }
    }

    /// Whether the layer is fully connected, or applied value by value (see
    /// `Architecture.isFullyConnected`).
    var isFullyConnected: Bool {
        switch self {
        case .linear, .dropout, .activation, .leakyReLU, .flatten, .normalize: true
        case .sequential(let layers): layers.allSatisfy(\.isFullyConnected)
        case .conv2d, .maxPool2d, .avgPool2d, .globalAvgPool, .batchNorm, .residual: false
        }
    }
}

extension LayerDescription: Codable {
    private enum Key: String, CodingKey {
        case type, name, out, bias, kernel, stride, padding, rate, layers, body, shortcut, mean, std, slope, epsilon
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let type = try c.decode(String.self, forKey: .type)
        let name = try c.decodeIfPresent(String.self, forKey: .name)
        func int(_ key: Key, default value: Int? = nil) throws -> Int {
            if let value, !c.contains(key) { return value }
            let result = try c.decodeSize(forKey: key, field: "\(type): \(key.rawValue)")
            guard result > 0 || (key == .padding && result == 0) else {
                let requirement = key == .padding ? "0 or more" : "positive"
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: c,
                    debugDescription: "\(type): \(key.rawValue) must be \(requirement), got \(result)")
            }
            return result
        }
        switch type {
        case "linear":
            self = .linear(
                name: name, outputFeatures: try int(.out), bias: try c.decodeIfPresent(Bool.self, forKey: .bias) ?? true
            )
        case "conv2d":
            self = .conv2d(
                name: name, outputChannels: try int(.out), kernelSize: try int(.kernel),
                stride: try int(.stride, default: 1),
                padding: try int(.padding, default: 0), bias: try c.decodeIfPresent(Bool.self, forKey: .bias) ?? true)
        case "maxpool", "avgpool":
            let kernel = try int(.kernel)
            let stride = try int(.stride, default: kernel)
            self =
                type == "maxpool"
                ? .maxPool2d(kernelSize: kernel, stride: stride) : .avgPool2d(kernelSize: kernel, stride: stride)
        case "globalavgpool": self = .globalAvgPool
        case "batchnorm":
            let epsilon = try c.decodeIfPresent(Float.self, forKey: .epsilon) ?? 1e-5
            guard epsilon.isFinite, epsilon > 0 else {
                throw DecodingError.dataCorruptedError(
                    forKey: .epsilon, in: c, debugDescription: "batchnorm: epsilon must be positive and finite")
            }
            self = .batchNorm(name: name, epsilon: epsilon)
        case "leakyrelu":
            let slope = try c.decodeIfPresent(Float.self, forKey: .slope) ?? 0.01
            guard slope.isFinite else {
                throw DecodingError.dataCorruptedError(
                    forKey: .slope, in: c, debugDescription: "leakyrelu: slope must be finite")
            }
            self = .leakyReLU(slope: slope)
        case "dropout": self = .dropout(rate: try c.decode(Float.self, forKey: .rate))
        case "flatten": self = .flatten
        case "sequential": self = .sequential(try c.decode([LayerDescription].self, forKey: .layers))
        case "residual":
            self = .residual(
                body: try c.decode([LayerDescription].self, forKey: .body),
                shortcut: try c.decodeIfPresent([LayerDescription].self, forKey: .shortcut))
        case "normalize":
            let mean = try c.decode([Float].self, forKey: .mean)
            let std = try c.decode([Float].self, forKey: .std)
            guard !mean.isEmpty, mean.count == std.count else {
                throw DecodingError.dataCorruptedError(
                    forKey: .std, in: c,
                    debugDescription:
                        "normalize: needs one mean and one std per channel, got \(mean.count) and \(std.count)")
            }
            // Normal numbers only: the reciprocal of a subnormal std is infinite.
            guard mean.allSatisfy(\.isFinite), std.allSatisfy({ $0.isNormal && $0 > 0 }) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .std, in: c,
                    debugDescription:
                        "normalize: means must be finite and stds positive and finite, at least \(Float.leastNormalMagnitude)"
                )
            }
            self = .normalize(mean: mean, std: std)
        default:
            guard let function = Activation.Function(rawValue: type) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .type, in: c,
                    debugDescription:
                        "unknown layer type '\(type)' (known: linear, conv2d, maxpool, avgpool, globalavgpool, batchnorm, dropout, relu, leakyrelu, tanh, sigmoid, flatten, sequential, residual, normalize)"
                )
            }
            self = .activation(function)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case .linear(let name, let out, let bias):
            try c.encode("linear", forKey: .type)
            try c.encodeIfPresent(name, forKey: .name)
            try c.encode(out, forKey: .out)
            try c.encode(bias, forKey: .bias)
        case .conv2d(let name, let out, let kernel, let stride, let padding, let bias):
            try c.encode("conv2d", forKey: .type)
            try c.encodeIfPresent(name, forKey: .name)
            try c.encode(out, forKey: .out)
            try c.encode(kernel, forKey: .kernel)
            try c.encode(stride, forKey: .stride)
            try c.encode(padding, forKey: .padding)
            try c.encode(bias, forKey: .bias)
        case .maxPool2d(let kernel, let stride), .avgPool2d(let kernel, let stride):
            try c.encode(label, forKey: .type)
            try c.encode(kernel, forKey: .kernel)
            try c.encode(stride, forKey: .stride)
        case .globalAvgPool, .flatten, .activation:
            try c.encode(label, forKey: .type)
        case .batchNorm(let name, let epsilon):
            try c.encode("batchnorm", forKey: .type)
            try c.encodeIfPresent(name, forKey: .name)
            if epsilon != 1e-5 { try c.encode(epsilon, forKey: .epsilon) }
        case .leakyReLU(let slope):
            try c.encode("leakyrelu", forKey: .type)
            try c.encode(slope, forKey: .slope)
        case .dropout(let rate):
            try c.encode("dropout", forKey: .type)
            try c.encode(rate, forKey: .rate)
        case .sequential(let layers):
            try c.encode("sequential", forKey: .type)
            try c.encode(layers, forKey: .layers)
        case .residual(let body, let shortcut):
            try c.encode("residual", forKey: .type)
            try c.encode(body, forKey: .body)
            try c.encodeIfPresent(shortcut, forKey: .shortcut)
        case .normalize(let mean, let std):
            try c.encode("normalize", forKey: .type)
            try c.encode(mean, forKey: .mean)
            try c.encode(std, forKey: .std)
        }
    }
}
