import LoupeKernelCore
import LoupeKernelsAVX2
import LoupeKernelsAVX512

/// A batch of feature vectors stored feature-major: `[features, laneStride]` row-major, where
/// lane `i < batch` of row `f` is feature `f` of example `i`. This is the operand layout of the
/// sparse product (`SparseMatrix.multiply`): each nonzero weight meets one contiguous run of
/// examples.
///
/// `laneStride` is the batch rounded up to the 16-float SIMD width (plus 16 when that is a
/// multiple of 64, to avoid cache-set conflicts); the padding lanes hold
/// unspecified finite values that never mix with the real ones (every lane is computed
/// independently).
package struct FeatureMajorBatch: Sendable, Equatable {
    /// Features per example (rows of the storage).
    package let features: Int
    /// Examples in the batch (lanes in use).
    package let batch: Int
    /// Distance between consecutive features in `scalars`: a multiple of 16, at least `batch`.
    package let laneStride: Int
    /// `features * laneStride` floats.
    package var scalars: [Float]

    /// Lanes are padded to a multiple of this width.
    package static let laneAlignment = 16

    /// `batch` rounded up to the SIMD width: the lanes the product computes.
    var computedLanes: Int { (batch + Self.laneAlignment - 1) / Self.laneAlignment * Self.laneAlignment }

    /// A zero-filled batch.
    package init(features: Int, batch: Int) {
        precondition(features >= 0 && batch >= 0, "invalid batch shape")
        self.features = features
        self.batch = batch
        let rounded = (batch + Self.laneAlignment - 1) / Self.laneAlignment * Self.laneAlignment
        // A stride of a multiple of 256 bytes would map the rows the product reads onto a
        // quarter of the L1 cache sets; one more vector of padding spreads them over all sets.
        self.laneStride = rounded % 64 == 0 && rounded > 0 ? rounded + Self.laneAlignment : rounded
        self.scalars = [Float](repeating: 0, count: features * laneStride)
    }

    /// The transpose of a batch-major (row-major `[batch, features]`) matrix, moved on `path`
    /// (every path moves the same values).
    package init(batchMajor: UnsafePointer<Float>, batch: Int, features: Int, path: KernelPath = .active) {
        self.init(features: features, batch: batch)
        let stride = laneStride
        scalars.withUnsafeMutableBufferPointer { destination in
            transpose(
                batchMajor, rows: batch, columns: features, sourceStride: features, into: destination.baseAddress!,
                destinationStride: stride, path: path)
        }
    }

    /// The transpose of a batch-major (row-major `[batch, features]`) array.
    package init(batchMajor: [Float], batch: Int, features: Int) {
        precondition(batchMajor.count == batch * features, "need \(batch) x \(features) values")
        self = batchMajor.withUnsafeBufferPointer {
            Self(batchMajor: $0.baseAddress!, batch: batch, features: features)
        }
    }

    /// Writes the batch back batch-major: `batch * features` floats, row-major `[batch, features]`.
    package func copyBatchMajor(into destination: UnsafeMutablePointer<Float>, path: KernelPath = .active) {
        scalars.withUnsafeBufferPointer { source in
            transpose(
                source.baseAddress!, rows: features, columns: batch, sourceStride: laneStride, into: destination,
                destinationStride: features, path: path)
        }
    }

    /// The batch as a batch-major (row-major `[batch, features]`) array.
    package func batchMajorScalars() -> [Float] {
        [Float](unsafeUninitializedCapacity: batch * features) { buffer, count in
            if batch * features > 0 { copyBatchMajor(into: buffer.baseAddress!) }
            count = batch * features
        }
    }

    /// Applies `transform` to every stored value, padding lanes included.
    package mutating func transform(_ transform: (Float) -> Float) {
        for i in scalars.indices { scalars[i] = transform(scalars[i]) }
    }
}
