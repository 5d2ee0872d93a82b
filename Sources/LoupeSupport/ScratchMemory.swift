#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Temporary memory that belongs to the calling thread and is reused from call to call, for
/// the working buffers of operations that run every mini-batch (gathered image bytes, a
/// convolution's lowered image): in steady state they cost no allocation.
///
/// The memory grows to the largest request seen on the thread and is freed when the thread
/// ends. A call made while the thread's memory is in use (from inside `body`) gets memory
/// of its own, freed on return.
package enum ScratchMemory {
    /// Calls `body` with `byteCount` bytes of memory, 64-byte aligned, of unspecified
    /// contents. The memory is valid only until `body` returns.
    package static func withBytes<R>(_ byteCount: Int, _ body: (UnsafeMutableRawPointer) throws -> R) rethrows -> R {
        let region = ThreadRegion.current
        guard !region.isInUse else {
            let memory = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: alignment)
            defer { memory.deallocate() }
            return try body(memory)
        }
        region.isInUse = true
        defer { region.isInUse = false }
        return try body(region.reserve(byteCount))
    }

    /// Calls `body` with one zero-filled buffer of `Float` per entry of `counts`, each
    /// 64-byte aligned. The buffers are valid only until `body` returns.
    package static func withZeroedFloats<R>(
        _ counts: [Int], _ body: ([UnsafeMutableBufferPointer<Float>]) throws -> R
    ) rethrows -> R {
        let strides = counts.map { ($0 * MemoryLayout<Float>.stride + alignment - 1) / alignment * alignment }
        return try withBytes(strides.reduce(0, +)) { base in
            var offset = 0
            var buffers: [UnsafeMutableBufferPointer<Float>] = []
            buffers.reserveCapacity(counts.count)
            for (count, stride) in zip(counts, strides) {
                let start = (base + offset).bindMemory(to: Float.self, capacity: count)
                start.initialize(repeating: 0, count: count)
                buffers.append(UnsafeMutableBufferPointer(start: start, count: count))
                offset += stride
            }
            return try body(buffers)
        }
    }

    static let alignment = 64

    /// One thread's memory.
    private final class ThreadRegion {
        var base: UnsafeMutableRawPointer?
        var capacity = 0
        var isInUse = false

        func reserve(_ byteCount: Int) -> UnsafeMutableRawPointer {
            if byteCount > capacity || base == nil {
                base?.deallocate()
                capacity = byteCount
                base = .allocate(byteCount: max(capacity, 1), alignment: ScratchMemory.alignment)
            }
            return base!
        }

        deinit { base?.deallocate() }

        private static let key: pthread_key_t = {
            var key = pthread_key_t()
            pthread_key_create(&key) { pointer in
                #if os(Linux)
                    guard let pointer else { return }
                #endif
                Unmanaged<ThreadRegion>.fromOpaque(pointer).release()
            }
            return key
        }()

        static var current: ThreadRegion {
            if let existing = pthread_getspecific(key) {
                return Unmanaged<ThreadRegion>.fromOpaque(existing).takeUnretainedValue()
            }
            let region = ThreadRegion()
            pthread_setspecific(key, Unmanaged.passRetained(region).toOpaque())
            return region
        }
    }
}
