/// Post-training quantization schemes, as evaluated in the PIE and CIE papers.
public enum QuantizationScheme: String, Codable, Sendable, CaseIterable {
    /// Weights and biases rounded to IEEE half precision.
    case float16
    /// Weights as int8 with one symmetric scale per tensor; float activations.
    case int8PerTensor = "int8-tensor"
    /// Weights as int8 with one symmetric scale per output channel; float activations.
    case int8PerChannel = "int8-channel"
    /// Weights as 4-bit integers (-7...7) with one symmetric scale per output channel.
    case int4PerChannel = "int4-channel"
    /// Weights int8 per channel and the input of every linear and convolution layer
    /// quantized to int8 with an asymmetric range calibrated on a representative set.
    case int8Full = "int8-full"

    /// Levels on each side of zero for the weights (127 for int8, 7 for int4).
    var weightLevels: Float? {
        switch self {
        case .float16: nil
        case .int8PerTensor, .int8PerChannel, .int8Full: 127
        case .int4PerChannel: 7
        }
    }

    var isPerChannel: Bool { self != .int8PerTensor }
}
