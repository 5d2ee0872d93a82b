import Foundation
import LoupeSupport

/// The packed forms of one immutable matrix, made on first use and shared by every thread
/// that multiplies with it.
///
/// The owner of the matrix must drop the cache (or replace it with an empty one) whenever the
/// matrix changes; `Tensor` does so on every mutation, or, when it holds the only reference
/// to the cache, calls `retireOperands()`: the next forms are then packed into the memory of
/// the retired ones (a training step that updates the weights allocates no new panels).
@usableFromInline package final class PackedOperandCache: @unchecked Sendable {
    private let lock = NSLock()
    private var operands: [PackedOperand] = []
    /// Forms of earlier values, kept for their memory.
    private var retired: [PackedOperand] = []
    /// The matrix's Winograd-domain forms, when it is a 3 x 3 convolution's weights.
    private var winogradForms: [WinogradWeights] = []
    /// The shapes of the Winograd forms of earlier values, to be made again for the new ones
    /// by `repackRetired`.
    private var retiredWinogradShapes:
        [(outChannels: Int, channels: Int, tileEdge: Int, transposedAndFlipped: Bool, path: KernelPath)] = []

    @usableFromInline package init() {}

    /// The packed `op(source)` for `side`, packed now if it is not cached yet. `source` must
    /// be the matrix the cache belongs to.
    package func operand(
        side: PackedOperand.Side, rows: Int, columns: Int, source: UnsafePointer<Float>, rowStride: Int,
        isTransposed: Bool, path: KernelPath = .active
    ) -> PackedOperand {
        lock.lock()
        defer { lock.unlock() }
        if let cached = operands.first(where: {
            $0.matches(
                side: side, rows: rows, columns: columns, rowStride: rowStride, isTransposed: isTransposed, path: path)
        }) {
            return cached
        }
        if let index = retired.firstIndex(where: {
            $0.matches(
                side: side, rows: rows, columns: columns, rowStride: rowStride, isTransposed: isTransposed, path: path)
        }), isKnownUniquelyReferenced(&retired[index]) {
            let reused = retired.remove(at: index)
            reused.pack(source)
            operands.append(reused)
            return reused
        }
        let packed = PackedOperand(
            side: side, rows: rows, columns: columns, source: source, rowStride: rowStride,
            isTransposed: isTransposed, path: path)
        operands.append(packed)
        return packed
    }

    /// The Winograd-domain form (tiles of `tileEdge` outputs a side) of the `[outChannels,
    /// channels, 3, 3]` weights this cache belongs to (`source`), or with
    /// `transposedAndFlipped` of the input gradient's convolution of weights `[channels,
    /// outChannels, 3, 3]` (`WinogradWeights.init`), made now if it is not cached yet.
    package func winogradWeights(
        outChannels: Int, channels: Int, tileEdge: Int = 4, transposedAndFlipped: Bool = false,
        source: UnsafePointer<Float>, path: KernelPath = .active
    ) -> WinogradWeights {
        lock.lock()
        defer { lock.unlock() }
        if let cached = winogradForms.first(where: {
            $0.outChannels == outChannels && $0.channels == channels && $0.tileEdge == tileEdge
                && $0.isTransposedAndFlipped == transposedAndFlipped && $0.path == path
        }) {
            return cached
        }
        let made = WinogradWeights(
            weights: source, outChannels: outChannels, channels: channels, tileEdge: tileEdge,
            transposedAndFlipped: transposedAndFlipped, path: path)
        winogradForms.append(made)
        return made
    }

    /// Packs new values into the retired forms of several caches at once, each form's depth
    /// slices shared out among up to `threads` threads, and makes them current: after a
    /// training step updates the weights, the next products find their forms packed instead
    /// of one thread packing while the others wait for it.
    ///
    /// Each `source` must hold the current values of its cache's matrix and stay unchanged
    /// during the call; requests to these caches wait until it returns. Forms someone still
    /// holds are left retired.
    package static func repackRetired(_ work: [(cache: PackedOperandCache, source: UnsafePointer<Float>)], threads: Int)
    {
        // A cache listed twice (tensors sharing one) is locked and repacked once.
        var seen = Set<ObjectIdentifier>()
        let work = work.filter { seen.insert(ObjectIdentifier($0.cache)).inserted }
        for (cache, _) in work { cache.lock.lock() }
        defer { for (cache, _) in work { cache.lock.unlock() } }
        var forms: [(form: PackedOperand, source: UnsafePointer<Float>)] = []
        for (cache, source) in work {
            var index = 0
            while index < cache.retired.count {
                if isKnownUniquelyReferenced(&cache.retired[index]) {
                    let form = cache.retired.remove(at: index)
                    cache.operands.append(form)
                    forms.append((form, source))
                } else {
                    index += 1
                }
            }
        }
        // One item per depth slice, largest first so that the last items to start are small.
        var items: [(form: PackedOperand, source: UnsafePointer<Float>, slice: Int, size: Int)] = []
        for (form, source) in forms {
            let slices = form.sliceCount
            for slice in 0..<slices { items.append((form, source, slice, form.rows * form.columns / slices)) }
        }
        items.sort { $0.size > $1.size }
        _ = Parallel.map(count: items.count, threads: threads) { index in
            items[index].form.pack(items[index].source, slices: items[index].slice..<(items[index].slice + 1))
        }
        // The Winograd forms the old values had, made for the new ones side by side: else the
        // first thread of the next step to ask makes each while the others wait on the lock.
        let shapes = work.flatMap { item in item.cache.retiredWinogradShapes.map { (item.cache, item.source, $0) } }
        let made = Parallel.map(count: shapes.count, threads: threads) { index in
            let (_, source, shape) = shapes[index]
            return WinogradWeights(
                weights: source, outChannels: shape.outChannels, channels: shape.channels,
                tileEdge: shape.tileEdge, transposedAndFlipped: shape.transposedAndFlipped, path: shape.path)
        }
        for (index, (cache, _, _)) in shapes.enumerated() { cache.winogradForms.append(made[index]) }
        for (cache, _) in work { cache.retiredWinogradShapes.removeAll() }
    }

    /// Drops every form (the matrix is about to change), keeping their memory for the forms
    /// of the new values. Only for the sole owner of the cache: any other holder would lose
    /// forms it may still use.
    @usableFromInline package func retireOperands() {
        lock.lock()
        defer { lock.unlock() }
        retired.append(contentsOf: operands)
        operands.removeAll(keepingCapacity: true)
        retiredWinogradShapes = winogradForms.map {
            ($0.outChannels, $0.channels, $0.tileEdge, $0.isTransposedAndFlipped, $0.path)
        }
        winogradForms.removeAll()
    }

    /// Number of packed forms held (for tests).
    package var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return operands.count
    }
}
