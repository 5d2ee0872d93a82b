import LoupeNN
import LoupeSupport
import LoupeTensor

/// A way of explaining a classifier's output: a map, the shape of the input, saying how much
/// each input element matters for one class.
///
/// Methods are batched and single-threaded; callers parallelise over batches. Stochastic
/// methods (SmoothGrad, VarGrad, the random control) draw each example's noise from that
/// example's own seed, so a map does not depend on the batch it was computed in or on the
/// thread count.
///
/// `attributions(of:targets:model:runSeed:threads:batchSize:)` computes a whole dataset's maps
/// in parallel batches with per-example seeds; `AttributionMethodParser` builds methods from
/// their command-line names.
public protocol AttributionMethod: Sendable {
    /// The name used on the command line and in outputs, for example `gradient` or
    /// `smoothgrad-squared`.
    var name: String { get }

    /// Attribution maps for `images` (`[batch] + model.architecture.inputShape`) towards
    /// `targets` (one class per image), of the same shape as `images`.
    ///
    /// - Parameter seeds: one seed per image for stochastic methods (ignored by the others).
    /// - Throws: `InputError` when a target is outside `0..<model.classCount` or the
    ///   images do not fit the model.
    func attributions(_ images: Tensor, targets: [Int], model: Model, seeds: [UInt64]) throws(InputError)
        -> Tensor
}
