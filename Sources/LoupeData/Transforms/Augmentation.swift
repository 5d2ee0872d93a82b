import LoupeRandom
import LoupeTensor

/// Random training-time augmentation of image batches.
///
/// Each image is, independently, shifted by a random crop of its zero-padded copy and/or
/// mirrored left-right with probability 0.5. The draws for each image, in order, are: the
/// crop's row offset and column offset (when cropping), then the flip (when flipping), so
/// the result depends only on the batch and the generator's state.
public struct Augmentation: Sendable, Equatable, Codable {
    /// Zero padding added on every side before cropping back to the original size; 0 turns
    /// cropping off.
    public var cropPadding: Int
    /// Whether to mirror images left-right with probability 0.5.
    public var horizontalFlip: Bool

    public init(cropPadding: Int = 0, horizontalFlip: Bool = false) {
        precondition(cropPadding >= 0, "crop padding must not be negative")
        self.cropPadding = cropPadding
        self.horizontalFlip = horizontalFlip
    }

    /// No augmentation.
    public static let none = Augmentation()

    /// Whether this augmentation changes anything.
    package var isIdentity: Bool { cropPadding == 0 && !horizontalFlip }

    /// The augmented copy of `batch`, a `[B, C, H, W]` tensor.
    public func apply(to batch: Tensor, generator: inout SeededGenerator) -> Tensor {
        precondition(
            batch.rank == 4, "augmentation needs a [B, C, H, W] batch, got shape \(batch.shape)")
        if isIdentity { return batch }
        let (count, channels, height, width) = (
            batch.shape[0], batch.shape[1], batch.shape[2], batch.shape[3]
        )
        let plane = height * width
        var output = Tensor(zeros: batch.shape)
        batch.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { output in
                for image in 0..<count {
                    // Output pixel (y, x) comes from input pixel (y + dy, x + dx), zero outside.
                    let dy = cropPadding > 0 ? generator.nextInt(below: 2 * cropPadding + 1) - cropPadding : 0
                    let dx = cropPadding > 0 ? generator.nextInt(below: 2 * cropPadding + 1) - cropPadding : 0
                    let flip = horizontalFlip && generator.next() & 1 == 1
                    let rows = stride(from: max(0, -dy), to: min(height, height - dy), by: 1)
                    let columns = stride(from: max(0, -dx), to: min(width, width - dx), by: 1)
                    for channel in 0..<channels {
                        let base = (image * channels + channel) * plane
                        for y in rows {
                            let source = base + (y + dy) * width + dx
                            let target = base + y * width
                            for x in columns {
                                output[target + (flip ? width - 1 - x : x)] = input[source + x]
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}
