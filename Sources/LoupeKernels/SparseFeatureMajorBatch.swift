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

    /// The transpose of a batch-major (row-major `[batch, features]`) matrix.
    package init(batchMajor: UnsafePointer<Float>, batch: Int, features: Int) {
        self.init(features: features, batch: batch)
        let stride = laneStride
        scalars.withUnsafeMutableBufferPointer { destination in
            transpose(
                batchMajor, rows: batch, columns: features, sourceStride: features, into: destination.baseAddress!,
                destinationStride: stride)
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
    package func copyBatchMajor(into destination: UnsafeMutablePointer<Float>) {
        scalars.withUnsafeBufferPointer { source in
            transpose(
                source.baseAddress!, rows: features, columns: batch, sourceStride: laneStride, into: destination,
                destinationStride: features)
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

/// Writes the transpose of the `rows x columns` source into the destination: 8 x 8 blocks
/// through SIMD registers, scalar copies at the ragged edges.
private func transpose(
    _ source: UnsafePointer<Float>, rows: Int, columns: Int, sourceStride: Int,
    into destination: UnsafeMutablePointer<Float>, destinationStride: Int
) {
    let fullRows = rows / 8 * 8
    let fullColumns = columns / 8 * 8
    var r0 = 0
    while r0 < fullRows {
        var c0 = 0
        while c0 < fullColumns {
            transposeBlock(
                source + r0 * sourceStride + c0, sourceStride: sourceStride,
                into: destination + c0 * destinationStride + r0, destinationStride: destinationStride)
            c0 += 8
        }
        r0 += 8
    }
    for r in 0..<rows {
        let columnsDone = r < fullRows ? fullColumns : 0
        for c in columnsDone..<columns { destination[c * destinationStride + r] = source[r * sourceStride + c] }
    }
}

/// Transposes one 8 x 8 block: three rounds of splitting row pairs into their even and odd
/// elements turn rows into columns.
@inline(__always)
private func transposeBlock(
    _ source: UnsafePointer<Float>, sourceStride: Int, into destination: UnsafeMutablePointer<Float>,
    destinationStride: Int
) {
    func row(_ i: Int) -> SIMD8<Float> {
        UnsafeRawPointer(source + i * sourceStride).loadUnaligned(as: SIMD8<Float>.self)
    }
    var r = (row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7))
    for _ in 0..<3 {
        let p0 = SIMD16(lowHalf: r.0, highHalf: r.1)
        let p1 = SIMD16(lowHalf: r.2, highHalf: r.3)
        let p2 = SIMD16(lowHalf: r.4, highHalf: r.5)
        let p3 = SIMD16(lowHalf: r.6, highHalf: r.7)
        r = (p0.evenHalf, p1.evenHalf, p2.evenHalf, p3.evenHalf, p0.oddHalf, p1.oddHalf, p2.oddHalf, p3.oddHalf)
    }
    func store(_ value: SIMD8<Float>, _ i: Int) {
        UnsafeMutableRawPointer(destination + i * destinationStride).storeBytes(of: value, as: SIMD8<Float>.self)
    }
    store(r.0, 0)
    store(r.1, 1)
    store(r.2, 2)
    store(r.3, 3)
    store(r.4, 4)
    store(r.5, 5)
    store(r.6, 6)
    store(r.7, 7)
}
