import Foundation
import LoupeKernels
import LoupeNN
import LoupeTensor

/// A model whose weights have been quantized, with what is needed to run and store it.
public struct QuantizedModel: Sendable {
    public var scheme: QuantizationScheme { didSet { packedWeights = PackedWeightsCache() } }
    /// The model with every weight replaced by its dequantized value (what integer inference
    /// computes with), so the ordinary float engine evaluates it exactly.
    public var model: Model { didSet { packedWeights = PackedWeightsCache() } }
    /// Integer weight codes and their scales per quantized tensor (empty for float16).
    public var codes: [String: (values: [Int8], scales: [Float])] { didSet { packedWeights = PackedWeightsCache() } }
    /// Per layer input range for `int8Full`, by layer name.
    public var activationRanges: [String: ActivationRange] { didSet { packedWeights = PackedWeightsCache() } }
    /// The weight codes packed for integer inference, on first use; replaced (emptied) by any
    /// change to the model, so copies that change never share stale weights.
    var packedWeights = PackedWeightsCache()

    init(
        scheme: QuantizationScheme, model: Model, codes: [String: (values: [Int8], scales: [Float])],
        activationRanges: [String: ActivationRange]
    ) {
        (self.scheme, self.model, self.codes, self.activationRanges) = (scheme, model, codes, activationRanges)
    }

    /// Logits for a batch: the dequantized model; for `int8Full`, integer arithmetic
    /// (`IntegerInference`) where the architecture allows, else `simulatedLogits(_:)`.
    public func logits(_ images: Tensor) -> Tensor {
        guard scheme == .int8Full else { return model.logits(images) }
        if let prepared = packedWeights.prepared(self) {
            return IntegerInference(self, prepared: prepared).logits(images)
        }
        return simulatedLogits(images)
    }

    /// `int8Full` simulated in float: every layer input rounded to its int8 grid, weights
    /// dequantized, products accumulated in float32 (equal to integer arithmetic up to float
    /// rounding of large sums).
    public func simulatedLogits(_ images: Tensor) -> Tensor {
        simulatedModel.logits(images)
    }

    /// `int8Full` simulated in float: the model with every linear and convolution layer that
    /// has an input range replaced by its `InputQuantized` form.
    public var simulatedModel: Model { model.wrappingLayerInputs(ranges: activationRanges) }
}

/// A quantized model prepared for `IntegerInference` (its weight codes packed), on first use
/// (once, whichever thread asks first); `nil` for models integer inference cannot run.
final class PackedWeightsCache: @unchecked Sendable {
    private let lock = NSLock()
    private var packed: IntegerInference.Prepared??

    func prepared(_ model: QuantizedModel) -> IntegerInference.Prepared? {
        lock.withLock {
            if let packed { return packed }
            let built = try? IntegerInference.prepare(model)
            packed = .some(built)
            return built
        }
    }
}

/// Post-training quantization of a trained model.
public enum Quantizer {
    /// Quantizes `model` with `scheme`. `calibration` (a batch of representative inputs,
    /// the first 100 training images by convention) is required for `int8Full`.
    public static func quantize(
        _ model: Model, scheme: QuantizationScheme, calibration: Tensor? = nil
    ) throws(CompressionError) -> QuantizedModel {
        var quantized = model
        var codes: [String: (values: [Int8], scales: [Float])] = [:]
        let roles = model.parameterRoles
        for name in model.parameterNames {
            let tensor = model.parameters[name]!
            guard let levels = scheme.weightLevels else {
                quantized.parameters[name] = tensor.map { Float(Float16($0)) }
                continue
            }
            guard roles[name] == .weight else { continue }
            let channels = scheme.isPerChannel ? tensor.shape[0] : 1
            let perChannel = tensor.count / channels
            var values = [Int8](repeating: 0, count: tensor.count)
            var scales = [Float](repeating: 0, count: channels)
            var dequantized = tensor.scalars
            for channel in 0..<channels {
                let range = (channel * perChannel)..<((channel + 1) * perChannel)
                let largest = tensor.scalars[range].reduce(0) { max($0, abs($1)) }
                let scale = largest > 0 ? largest / levels : 1
                scales[channel] = scale
                for i in range {
                    let q = min(max((tensor.scalars[i] / scale).rounded(.toNearestOrEven), -levels), levels)
                    values[i] = Int8(q)
                    dequantized[i] = q * scale
                }
            }
            quantized.parameters[name] = Tensor(shape: tensor.shape, scalars: dequantized)
            codes[name] = (values, scales)
        }
        var ranges: [String: ActivationRange] = [:]
        if scheme == .int8Full {
            guard let calibration, calibration.shape.first ?? 0 > 0 else {
                throw CompressionError(
                    "int8-full quantization needs a calibration batch (e.g. the first 100 training images)")
            }
            let extremes = InputExtremes()
            _ = quantized.wrappingLayerInputs(observe: { extremes.observe($0, $1) }).logits(calibration)
            for (layer, extreme) in extremes.values {
                let scale = max(extreme.max - extreme.min, 1e-8) / 255
                ranges[layer] = ActivationRange(
                    scale: scale, zeroPoint: Int((-128 - extreme.min / scale).rounded(.toNearestOrEven)))
            }
        }
        return QuantizedModel(scheme: scheme, model: quantized, codes: codes, activationRanges: ranges)
    }
}

/// The smallest and largest input value of each layer (each range includes 0), recorded
/// during calibration.
private final class InputExtremes: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [String: (min: Float, max: Float)] = [:]

    func observe(_ layer: String, _ input: Tensor) {
        lock.withLock {
            var (low, high) = values[layer] ?? (0, 0)
            for value in input.scalars {
                low = min(low, value)
                high = max(high, value)
            }
            values[layer] = (low, high)
        }
    }
}
