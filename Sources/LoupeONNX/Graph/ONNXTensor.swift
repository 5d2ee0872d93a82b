/// A constant tensor: an initializer, a `Constant` node's value or a tensor attribute.
///
/// Floating-point elements (float, float16, double, bfloat16) are held as `Float` in
/// `floats`; integer and boolean elements as `Int64` in `integers`. `dataType` says what the
/// file holds (or what writing should produce): writing a `.float16` tensor rounds `floats`
/// to half precision, an `.int8` tensor writes `integers` as bytes.
public struct ONNXTensor: Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    public var dataType: ONNXDataType
    public var floats: [Float]
    public var integers: [Int64]

    public init(name: String, shape: [Int], floats: [Float], dataType: ONNXDataType = .float) {
        self.name = name
        self.shape = shape
        self.dataType = dataType
        self.floats = floats
        self.integers = []
    }

    public init(name: String, shape: [Int], integers: [Int64], dataType: ONNXDataType = .int64) {
        self.name = name
        self.shape = shape
        self.dataType = dataType
        self.floats = []
        self.integers = integers
    }

    /// The number of elements: the product of the shape (1 for a scalar).
    public var count: Int { shape.reduce(1, *) }
}

/// The element types Loupe reads and writes, with their `TensorProto.DataType` numbers.
public enum ONNXDataType: Int, Equatable, Sendable, CaseIterable {
    case float = 1
    case uint8 = 2
    case int8 = 3
    case int32 = 6
    case int64 = 7
    case bool = 9
    case float16 = 10
    case double = 11
    case bfloat16 = 16

    /// Whether elements are held in `floats` (else `integers`).
    public var isFloatingPoint: Bool { [.float, .float16, .double, .bfloat16].contains(self) }

    /// Bytes per element in `raw_data`.
    public var byteCount: Int {
        switch self {
        case .uint8, .int8, .bool: 1
        case .float16, .bfloat16: 2
        case .float, .int32: 4
        case .int64, .double: 8
        }
    }
}
