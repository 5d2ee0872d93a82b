import Foundation

/// Element storage that tensors no longer use, kept for the next tensor of the same size.
///
/// A training step, an inference batch or an input-gradient batch creates the same tensors
/// every time. Operations take their output storage from the pool, and a `Tape` returns the
/// storage of its values and intermediate gradients when it is done with them, so in steady
/// state every tensor buffer of a step is one the previous step used: none comes from the C
/// allocator (`Benchmarks/allocations.sh` counts the calls).
///
/// Only storage that nothing else refers to is kept: a value the caller still holds (the
/// logits it asked for, a model's weights) is left alone, so recycling never changes what any
/// tensor contains. Taken storage has unspecified contents; whoever takes it writes every
/// element. Small buffers (under `minimumCount` elements) are left to the C allocator, and
/// when the kept storage would exceed `capacityBytes` the pool is emptied first, so a loop
/// whose sizes keep changing never holds more than that.
///
/// A thread gets back, when there is one, a buffer it recycled itself: its lines are still in
/// that core's cache. A buffer last written on another core costs a transfer per cache line
/// when it is written again (two threads each running half of an inference batch, taking each
/// other's buffers, spent a fifth of their time copying their shard of the input).
@usableFromInline package final class TensorStoragePool: @unchecked Sendable {
    /// The pool that operations and tapes use.
    @usableFromInline package static let shared = TensorStoragePool(capacityBytes: 256 << 20)
    /// Buffers with fewer elements are not kept.
    package static let minimumCount = 1024

    /// The most storage kept at once, in bytes.
    package let capacityBytes: Int
    private let lock = NSLock()
    /// Kept buffers by element count, each with the thread that recycled it.
    private var buffers: [Int: [(owner: pthread_t, storage: [Float])]] = [:]
    private var keptBytes = 0
    private var counters = Counters()

    /// How often storage was asked for and how often the pool had it.
    package struct Counters: Equatable, Sendable {
        /// Requests for storage of at least `minimumCount` elements.
        package var requests = 0
        /// Requests served with recycled storage.
        package var reuses = 0
        /// Buffers kept.
        package var recycled = 0
    }

    /// Creates an empty pool.
    package init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
    }

    /// The request counters so far.
    package var counts: Counters { lock.withLock { counters } }

    /// Bytes of storage kept now.
    package var bytesKept: Int { lock.withLock { keptBytes } }

    /// Frees every kept buffer.
    package func removeAll() {
        lock.withLock {
            buffers.removeAll()
            keptBytes = 0
        }
    }

    /// Writes `value` into every kept buffer (tests: recycled contents must never reach a
    /// result).
    func overwriteKept(with value: Float) {
        lock.withLock {
            for count in buffers.keys {
                for index in buffers[count]!.indices {
                    buffers[count]![index].storage.withUnsafeMutableBufferPointer { $0.update(repeating: value) }
                }
            }
        }
    }

    /// Storage for `count` elements with unspecified contents: a kept buffer of that size if
    /// there is one, else a new one.
    @usableFromInline package func storage(count: Int) -> [Float] {
        // `Array(unsafeUninitializedCapacity: 0)` writes its count into the shared empty-array
        // storage, which every thread reads: a data race (ThreadSanitizer reports it).
        guard count > 0 else { return [] }
        if count >= Self.minimumCount {
            let thread = pthread_self()
            let kept: [Float]? = lock.withLock {
                counters.requests += 1
                guard let candidates = buffers[count], !candidates.isEmpty else { return nil }
                let index = candidates.lastIndex { pthread_equal($0.owner, thread) != 0 } ?? candidates.count - 1
                counters.reuses += 1
                keptBytes -= count * MemoryLayout<Float>.stride
                return buffers[count]!.remove(at: index).storage
            }
            if let kept { return kept }
        }
        return [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// Keeps `storage` for reuse if nothing else refers to it, and leaves `storage` empty.
    package func recycle(_ storage: inout [Float]) {
        let count = storage.count
        guard count >= Self.minimumCount, storage.isUniquelyReferenced else {
            storage = []
            return
        }
        let bytes = count * MemoryLayout<Float>.stride
        guard bytes <= capacityBytes else {
            storage = []
            return
        }
        let thread = pthread_self()
        lock.withLock {
            if keptBytes + bytes > capacityBytes {
                buffers.removeAll()
                keptBytes = 0
            }
            buffers[count, default: []].append((thread, storage))
            keptBytes += bytes
            counters.recycled += 1
        }
        storage = []
    }

    /// Keeps the storage of `tensor` for reuse if nothing else refers to it, and leaves
    /// `tensor` empty (shape `[0]`).
    package func recycle(_ tensor: inout Tensor) {
        var storage = tensor.releaseStorage()
        recycle(&storage)
    }
}

extension Array where Element == Float {
    /// Whether this array's storage has no other owner (false for the shared empty array).
    ///
    /// Reads the reference count of the array's storage object, the one word of an `Array`
    /// on platforms without Objective-C bridging; elsewhere it answers false, which only
    /// turns recycling off.
    var isUniquelyReferenced: Bool {
        mutating get {
            #if canImport(ObjectiveC)
                return false
            #else
                guard MemoryLayout<[Float]>.size == MemoryLayout<AnyObject>.size, !isEmpty else { return false }
                return withUnsafeMutablePointer(to: &self) { array in
                    array.withMemoryRebound(to: AnyObject.self, capacity: 1) { isKnownUniquelyReferenced(&$0.pointee) }
                }
            #endif
        }
    }
}
