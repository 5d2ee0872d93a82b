/// A batch of feature vectors stored feature-major: `[features, laneStride]` row-major, where
/// lane `i < batch` of row `f` is feature `f` of example `i`. This is the operand layout of the
/// sparse product (`SparseMatrix.multiply`): each nonzero weight meets one contiguous run of
/// examples.
///
/// `laneStride` is the batch rounded up to the 16-float SIMD width; the padding lanes hold
/// unspecified finite values that never mix with the real ones (every lane is computed
/// independently).
public struct FeatureMajorBatch: Sendable, Equatable {
    /// Features per example (rows of the storage).
    public let features: Int
    /// Examples in the batch (lanes in use).
    public let batch: Int
    /// Distance between consecutive features in `scalars`: `batch` rounded up to 16.
    public let laneStride: Int
    /// `features * laneStride` floats.
    public var scalars: [Float]

    /// Lanes are padded to a multiple of this width.
    public static let laneAlignment = 16

    /// A zero-filled batch.
    public init(features: Int, batch: Int) {
        precondition(features >= 0 && batch >= 0, "invalid batch shape")
        self.features = features
        self.batch = batch
        self.laneStride = (batch + Self.laneAlignment - 1) / Self.laneAlignment * Self.laneAlignment
        self.scalars = [Float](repeating: 0, count: features * laneStride)
    }

    /// The transpose of a batch-major (row-major `[batch, features]`) matrix.
    public init(batchMajor: UnsafePointer<Float>, batch: Int, features: Int) {
        self.init(features: features, batch: batch)
        let stride = laneStride
        scalars.withUnsafeMutableBufferPointer { destination in
            transpose(
                batchMajor, rows: batch, columns: features, sourceStride: features, into: destination.baseAddress!,
                destinationStride: stride)
        }
    }

    /// The transpose of a batch-major (row-major `[batch, features]`) array.
    public init(batchMajor: [Float], batch: Int, features: Int) {
        precondition(batchMajor.count == batch * features, "need \(batch) x \(features) values")
        self = batchMajor.withUnsafeBufferPointer {
            Self(batchMajor: $0.baseAddress!, batch: batch, features: features)
        }
    }

    /// Writes the batch back batch-major: `batch * features` floats, row-major `[batch, features]`.
    public func copyBatchMajor(into destination: UnsafeMutablePointer<Float>) {
        scalars.withUnsafeBufferPointer { source in
            transpose(
                source.baseAddress!, rows: features, columns: batch, sourceStride: laneStride, into: destination,
                destinationStride: features)
        }
    }

    /// The batch as a batch-major (row-major `[batch, features]`) array.
    public func batchMajorScalars() -> [Float] {
        [Float](unsafeUninitializedCapacity: batch * features) { buffer, count in
            if batch * features > 0 { copyBatchMajor(into: buffer.baseAddress!) }
            count = batch * features
        }
    }

    /// Applies `transform` to every stored value, padding lanes included.
    public mutating func transform(_ transform: (Float) -> Float) {
        for i in scalars.indices { scalars[i] = transform(scalars[i]) }
    }
}

/// Writes the transpose of the `rows x columns` source into the destination, in 16 x 16 tiles
/// so that both sides are read and written a cache line at a time.
private func transpose(
    _ source: UnsafePointer<Float>, rows: Int, columns: Int, sourceStride: Int,
    into destination: UnsafeMutablePointer<Float>, destinationStride: Int
) {
    let tile = 16
    var r0 = 0
    while r0 < rows {
        let r1 = min(rows, r0 + tile)
        var c0 = 0
        while c0 < columns {
            let c1 = min(columns, c0 + tile)
            for r in r0..<r1 {
                let line = source + r * sourceStride
                for c in c0..<c1 { destination[c * destinationStride + r] = line[c] }
            }
            c0 = c1
        }
        r0 = r1
    }
}
