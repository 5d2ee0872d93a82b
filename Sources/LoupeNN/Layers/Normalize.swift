import LoupeTensor

/// Fixed per-channel input normalisation, `(x - mean[c]) / std[c]`, as torchvision's
/// `transforms.Normalize` but inside the model: a model that starts with it takes images in
/// pixel space (bytes / 255), so every command that loads its checkpoint applies the same
/// normalisation, and input gradients (attribution maps) stay in pixel space.
///
/// It has no parameters or buffers (the constants live in its description, so in the
/// architecture a checkpoint stores); pruning and quantization leave it alone.
public struct Normalize: Layer {
    /// The mean of each channel.
    public var mean: [Float]
    /// The standard deviation of each channel, positive and finite.
    public var std: [Float]

    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    public func outputShape(for input: [Int]) throws(ModelError) -> [Int] {
        guard input.count == 1 || input.count == 3, input[0] == mean.count else {
            throw ModelError("normalize: \(mean.count) channel(s) of statistics for input shape \(input)")
        }
        return input
    }

    /// A subtraction and a division per element.
    public func forwardFLOPs(for input: [Int]) -> Int { 2 * input.reduce(1, *) }

    public func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        input.normalizedChannels(mean: mean, std: std)
    }

    public var description: LayerDescription { .normalize(mean: mean, std: std) }
}
