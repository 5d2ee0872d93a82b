import Foundation
import LoupeData
import LoupeNN
import LoupeTensor

extension PopulationRunner {
    /// The kernels that can run member `index` of `variant`, its reference kernel first (the
    /// one its predictions were made with):
    /// - dense and pruned members: dense float, and for pruned members also sparse;
    /// - structured members (filters and hidden units removed): dense float on the smaller
    ///   network;
    /// - weight-only quantization (float16, int8 and int4 weights): dense float on the
    ///   dequantized weights;
    /// - int8-full: integer arithmetic (`IntegerInference`: one pipeline for chains of
    ///   convolutions and linear layers, else layer by layer), or, for a model it cannot run
    ///   (no calibrated input range), the float simulation on the dense kernels.
    ///
    /// The member must have been made (its model file is read back; a quantized member is
    /// quantized again from its dense member, as it was made, with the same calibration
    /// images from `train`).
    public func inferenceCandidates(
        _ variant: CompressionVariant, _ index: Int, train: Dataset
    ) throws -> [InferenceCandidate] {
        switch variant {
        case .dense, .seedControl, .pruned, .oneShot, .prunedFilters, .oneShotFilters:
            let model = try ModelCheckpoint(
                contentsOf: memberDirectory(variant, index).appendingPathComponent("model.safetensors")
            ).model
            let dense = InferenceCandidate(.dense) { model.logits($0) }
            switch variant {
            case .pruned, .oneShot: break
            default: return [dense]
            }
            let sparse = SparseInference(model: model)
            return [dense, InferenceCandidate(.sparse) { sparse.logits($0) }]
        case .quantized(let scheme):
            let base = try ModelCheckpoint(
                contentsOf: memberDirectory(.dense, index).appendingPathComponent("model.safetensors"))
            let calibration = train.images(at: Array(0..<min(spec.calibrationExamples, train.count)))
            let quantized = try Quantizer.quantize(base.model, scheme: scheme, calibration: calibration)
            if scheme == .int8Full, let integer = try? IntegerInference(quantized) {
                return [InferenceCandidate(.integer) { integer.logits($0) }]
            }
            return [InferenceCandidate(.dense) { quantized.logits($0) }]
        }
    }
}
