import LoupeKernels

/// A dense, row-major array of `Float` values with a shape.
///
/// `Tensor` has value semantics: copies share storage until one of them is mutated
/// (copy-on-write through the underlying `Array`). A tensor of rank 0 holds one scalar.
///
/// A tensor used as the same operand of many matrix products (a layer's weights) can carry
/// a cache of its packed forms (`enablePackedOperandCache()`): products then pack it once
/// rather than in every batch and thread. Copies share the cache; any mutation replaces it
/// with an empty one, so a packed form never outlives the values it was made from.
public struct Tensor: Sendable {
    /// The extent of each dimension, outermost first.
    public private(set) var shape: [Int]
    @usableFromInline var storage: [Float]
    @usableFromInline var packedOperandCache: PackedOperandCache?
    /// Packed forms of this tensor's values, when enabled.
    package var packedOperands: PackedOperandCache? { packedOperandCache }

    /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`.
    @inlinable
    public var scalars: [Float] {
        get { storage }
        set {
            invalidatePackedOperands()
            storage = newValue
        }
        _modify {
            invalidatePackedOperands()
            yield &storage
        }
    }

    /// Drops every packed form (keeping the cache enabled): the values are about to change.
    /// A cache no other copy shares keeps the forms' memory for the next ones.
    @inlinable
    mutating func invalidatePackedOperands() {
        guard packedOperandCache != nil else { return }
        if isKnownUniquelyReferenced(&packedOperandCache!) {
            packedOperandCache!.retireOperands()
        } else {
            packedOperandCache = PackedOperandCache()
        }
    }

    /// Gives this tensor a cache of packed forms (see the type's documentation); for tensors
    /// used as the same product operand many times, such as weights.
    package mutating func enablePackedOperandCache() {
        if packedOperandCache == nil { packedOperandCache = PackedOperandCache() }
    }

    /// Creates a tensor from its elements in row-major order.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(
            shape.reduce(1, *) == scalars.count,
            "shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
        self.shape = shape
        self.storage = scalars
        self.packedOperandCache = nil
    }

    /// Creates a tensor with every element equal to `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape) { $0.update(repeating: value) }
    }

    /// Creates a tensor of zeros.
    public init(zeros shape: [Int]) { self.init(repeating: 0, shape: shape) }

    /// Creates a tensor whose elements `initializer` writes, every one of them, into storage
    /// of unspecified contents (no zero-filling pass) taken from `TensorStoragePool.shared`.
    @inlinable
    public init(shape: [Int], initializingWith initializer: (UnsafeMutableBufferPointer<Float>) -> Void) {
        var storage = TensorStoragePool.shared.storage(count: shape.reduce(1, *))
        storage.withUnsafeMutableBufferPointer { initializer($0) }
        self.init(shape: shape, scalars: storage)
    }

    /// Hands over this tensor's storage and leaves the tensor empty (shape `[0]`).
    @usableFromInline
    mutating func releaseStorage() -> [Float] {
        let storage = self.storage
        self = Tensor(shape: [0], scalars: [])
        return storage
    }

    /// Creates a rank-0 tensor.
    public init(_ scalar: Float) { self.init(shape: [], scalars: [scalar]) }

    /// Number of elements.
    @inlinable public var count: Int { scalars.count }
    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }

    /// The single element of a one-element tensor.
    public var scalar: Float {
        precondition(count == 1, "tensor of shape \(shape) is not a scalar")
        return scalars[0]
    }

    /// The same elements viewed with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// Applies `body` to the elements' storage.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Applies `body` to the elements' mutable storage.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer(body)
    }
}

extension Tensor: Equatable {
    /// Equal shapes and elements (packed forms do not count).
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        lhs.shape == rhs.shape && lhs.storage == rhs.storage
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", ..." : "")])"
    }
}

extension Tensor {
    /// The sub-tensor of the given range of the first dimension (a copy).
    public func slice(_ range: Range<Int>) -> Tensor {
        let rowSize = shape.dropFirst().reduce(1, *)
        var newShape = shape
        newShape[0] = range.count
        return withUnsafeBufferPointer { source in
            Tensor(shape: newShape) {
                $0.baseAddress!.initialize(from: source.baseAddress! + range.lowerBound * rowSize, count: $0.count)
            }
        }
    }

    /// Tensors of equal trailing shape stacked along the first dimension.
    public static func concatenating(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty, "nothing to concatenate")
        var shape = parts[0].shape
        shape[0] = parts.reduce(0) { $0 + $1.shape[0] }
        for part in parts {
            precondition(
                part.shape.dropFirst() == parts[0].shape.dropFirst(), "shapes differ beyond the first dimension")
        }
        return Tensor(shape: shape) { out in
            var offset = 0
            for part in parts {
                part.withUnsafeBufferPointer {
                    (out.baseAddress! + offset).initialize(from: $0.baseAddress!, count: $0.count)
                }
                offset += part.count
            }
        }
    }
}
