import Foundation
import LoupeCompress
import LoupeNN
import LoupeONNX
import LoupeSupport
import LoupeTensor

/// Writes a Loupe model as an ONNX file (`loupe export`): dense or pruned (zeros in place) as
/// float32, or quantized on the way with one of Loupe's post-training schemes: float16
/// weights, int8 weight codes behind `DequantizeLinear` (per tensor or per channel), or
/// int8-full, whose layer inputs are also rounded by `QuantizeLinear` / `DequantizeLinear`
/// pairs calibrated on the first 100 training images of `data`.
public struct ExportWorkflow {
    public struct Configuration: Sendable {
        /// A checkpoint (`.safetensors`) or an ONNX model.
        public var modelFile: URL
        /// The `.onnx` file to write.
        public var output: URL
        /// A post-training quantization to apply first (nil: the weights as they are).
        public var quantization: QuantizationScheme?
        /// The data whose training images calibrate int8-full.
        public var data: DataSource?

        public init(modelFile: URL, output: URL, quantization: QuantizationScheme? = nil, data: DataSource? = nil) {
            (self.modelFile, self.output, self.quantization, self.data) = (modelFile, output, quantization, data)
        }
    }

    public struct Result: Sendable {
        public var configuration: Configuration
        public var onnx: ONNXModel

        public var lines: [String] {
            let kinds = Dictionary(grouping: onnx.graph.nodes, by: \.opType).mapValues(\.count)
            return [
                "\(configuration.output.relativePath): opset \(onnx.opsetVersion), \(onnx.graph.nodes.count) nodes ("
                    + kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
            ]
        }

        /// Writes the ONNX file atomically.
        public func write() throws { try onnx.write(to: configuration.output) }
    }

    public var configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// Reads, quantizes if asked and builds the graph; nothing is written.
    public func run(progress: any WorkflowProgress) throws -> Result {
        let model = try ModelFile.load(configuration.modelFile).model
        guard let scheme = configuration.quantization else {
            return Result(configuration: configuration, onnx: try ONNXModel(exporting: model))
        }
        var calibration: Tensor?
        if scheme == .int8Full {
            guard let data = configuration.data else {
                throw OptionError("--quantize int8-full needs --data to calibrate the layer inputs")
            }
            let train = try data.load().splits.train
            try ModelFile.check(model, fits: train, model: configuration.modelFile, data: data.data)
            calibration = train.images(at: Array(0..<min(100, train.count)))
        }
        let quantized = try Quantizer.quantize(model, scheme: scheme, calibration: calibration)
        let weights: ONNXWeightStorage
        switch scheme {
        case .float16: weights = .float16
        case .int8PerTensor, .int8PerChannel, .int8Full:
            weights = .int8(
                codes: quantized.codes,
                inputRanges: quantized.activationRanges.mapValues { (scale: $0.scale, zeroPoint: $0.zeroPoint) })
        case .int4PerChannel:
            throw OptionError("--quantize int4-channel has no ONNX form Loupe writes (ONNX int4 needs opset 21)")
        }
        return Result(configuration: configuration, onnx: try ONNXModel(exporting: quantized.model, weights: weights))
    }
}
