import LoupeSupport

/// An n-dimensional array as stored in a NumPy `.npy` file: a shape and typed elements in
/// C (row-major) order.
public struct NPYArray: Sendable, Equatable {
    /// The element storage, one case per supported NumPy dtype.
    public enum Elements: Sendable, Equatable {
        case uint8([UInt8])
        case int32([Int32])
        case int64([Int64])
        case float32([Float])
        case float64([Double])

        /// Number of elements.
        public var count: Int {
            switch self {
            case .uint8(let values): values.count
            case .int32(let values): values.count
            case .int64(let values): values.count
            case .float32(let values): values.count
            case .float64(let values): values.count
            }
        }

        /// The NumPy dtype descriptor, for example `<f4`.
        public var descriptor: String {
            switch self {
            case .uint8: "|u1"
            case .int32: "<i4"
            case .int64: "<i8"
            case .float32: "<f4"
            case .float64: "<f8"
            }
        }
    }

    /// The extent of each dimension, outermost first; `[]` for a scalar.
    public var shape: [Int]
    public var elements: Elements

    /// Creates an array; `elements.count` must equal the product of `shape`.
    public init(shape: [Int], elements: Elements) {
        precondition(
            CheckedSize.product(shape) == elements.count,
            "shape \(shape) does not hold \(elements.count) elements")
        self.shape = shape
        self.elements = elements
    }
}
