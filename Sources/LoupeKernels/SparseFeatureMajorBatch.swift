import LoupeKernelCore
import LoupeKernelsAVX2
import LoupeKernelsAVX512

/// A batch of feature vectors stored feature-major: `[features, laneStride]` row-major, where
/// lane `i < batch` of row `f` is feature `f` of example `i`. This is the operand layout of the
/// sparse product (`SparseMatrix.multiply`): each nonzero weight meets one contiguous run of
/// examples.
///
/// `laneStride` is the batch rounded up to the 16-float SIMD width (plus 16 when that is a
/// multiple of 64, to avoid cache-set conflicts), and the storage starts on a 64-byte
/// boundary, so that every 16-lane run is one cache line: a run split across two lines costs
/// the product twice the cache traffic (where an array's allocation happened to land, the
/// `mlp`'s 90%-sparse inference took 100 us instead of 80). The padding lanes hold zeros.
package struct FeatureMajorBatch: Sendable, Equatable {
    /// Features per example (rows of the storage).
    package let features: Int
    /// Examples in the batch (lanes in use).
    package let batch: Int
    /// Distance between consecutive features in the storage: a multiple of 16, at least `batch`.
    package let laneStride: Int
    private var storage: LaneStorage

    /// Lanes are padded to a multiple of this width.
    package static let laneAlignment = 16

    /// `batch` rounded up to the SIMD width: the lanes the product computes.
    var computedLanes: Int { (batch + Self.laneAlignment - 1) / Self.laneAlignment * Self.laneAlignment }

    /// A zero-filled batch.
    package init(features: Int, batch: Int) {
        self.init(features: features, batch: batch, zeroingFrom: 0)
    }

    /// A batch whose lanes from `zeroingFrom` on are zero and whose other lanes the caller
    /// writes before reading them.
    init(features: Int, batch: Int, zeroingFrom firstZeroLane: Int) {
        precondition(features >= 0 && batch >= 0, "invalid batch shape")
        self.features = features
        self.batch = batch
        let rounded = (batch + Self.laneAlignment - 1) / Self.laneAlignment * Self.laneAlignment
        // A stride of a multiple of 256 bytes would map the rows the product reads onto a
        // quarter of the L1 cache sets; one more vector of padding spreads them over all sets.
        self.laneStride = rounded % 64 == 0 && rounded > 0 ? rounded + Self.laneAlignment : rounded
        storage = LaneStorage(count: features * laneStride)
        let (stride, zeros) = (laneStride, laneStride - min(firstZeroLane, laneStride))
        if zeros > 0 {
            for f in 0..<features {
                (storage.base + f * stride + stride - zeros).initialize(repeating: 0, count: zeros)
            }
        }
    }

    /// The transpose of a batch-major (row-major `[batch, features]`) matrix, moved on `path`
    /// (every path moves the same values).
    package init(batchMajor: UnsafePointer<Float>, batch: Int, features: Int, path: KernelPath = .active) {
        self.init(features: features, batch: batch, zeroingFrom: batch)
        guard batch > 0, features > 0 else { return }
        transpose(
            batchMajor, rows: batch, columns: features, sourceStride: features, into: storage.base,
            destinationStride: laneStride, path: path, prefetchesNextRows: true)
    }

    /// The transpose of a batch-major (row-major `[batch, features]`) array.
    package init(batchMajor: [Float], batch: Int, features: Int) {
        precondition(batchMajor.count == batch * features, "need \(batch) x \(features) values")
        self = batchMajor.withUnsafeBufferPointer {
            Self(batchMajor: $0.baseAddress!, batch: batch, features: features)
        }
    }

    /// The `features * laneStride` stored values, padding lanes included.
    package var scalars: [Float] { withUnsafeBufferPointer { Array($0) } }

    /// Calls `body` with the `features * laneStride` stored values.
    package func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) {
            try body(UnsafeBufferPointer(start: storage.base, count: features * laneStride))
        }
    }

    /// Calls `body` with the stored values to modify (copied first if another batch shares them).
    package mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) {
            let copy = LaneStorage(count: features * laneStride)
            copy.base.initialize(from: storage.base, count: features * laneStride)
            storage = copy
        }
        return try withExtendedLifetime(storage) {
            try body(UnsafeMutableBufferPointer(start: storage.base, count: features * laneStride))
        }
    }

    /// Writes the batch back batch-major: `batch * features` floats, row-major `[batch, features]`.
    package func copyBatchMajor(into destination: UnsafeMutablePointer<Float>, path: KernelPath = .active) {
        withUnsafeBufferPointer { source in
            transpose(
                source.baseAddress!, rows: features, columns: batch, sourceStride: laneStride, into: destination,
                destinationStride: features, path: path, prefetchesNextRows: true)
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
        withUnsafeMutableBufferPointer { values in
            for i in values.indices { values[i] = transform(values[i]) }
        }
    }

    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.features == rhs.features && lhs.batch == rhs.batch && lhs.scalars == rhs.scalars
    }
}

/// Floats on a 64-byte boundary (a cache line), freed with their owner.
private final class LaneStorage: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>

    /// Uninitialized room for `count` floats (at least one, so `base` is never dangling).
    init(count: Int) {
        base = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(count, 1))
    }

    deinit { base.deallocate() }
}
