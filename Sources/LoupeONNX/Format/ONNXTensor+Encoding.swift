import Foundation

extension ONNXTensor {
    /// The tensor as a `TensorProto` with its data in `raw_data`, little-endian, in its
    /// `dataType`: floats rounded to `float16` (`Float16`'s rounding) or `bfloat16` (to
    /// nearest, ties to even) or widened to `double`; integers truncated to 8 or 32 bits, and
    /// booleans written as 0 or 1.
    var proto: ProtoONNX_TensorProto {
        var proto = ProtoONNX_TensorProto()
        proto.name = name
        proto.dims = shape.map { Int64($0) }
        proto.dataType = Int32(dataType.rawValue)
        var raw: [UInt8] = []
        raw.reserveCapacity((dataType.isFloatingPoint ? floats.count : integers.count) * dataType.byteCount)
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { raw.append(contentsOf: $0) }
        }
        switch dataType {
        case .float: for value in floats { append(value.bitPattern) }
        case .double: for value in floats { append(Double(value).bitPattern) }
        case .float16: for value in floats { append(Float16(value).bitPattern) }
        case .bfloat16: for value in floats { append(Self.bfloat16Bits(value)) }
        case .int8, .uint8: for value in integers { append(UInt8(truncatingIfNeeded: value)) }
        case .bool: for value in integers { append(UInt8(value == 0 ? 0 : 1)) }
        case .int32: for value in integers { append(Int32(truncatingIfNeeded: value)) }
        case .int64: for value in integers { append(value) }
        }
        proto.rawData = Data(raw)
        return proto
    }

    /// `value` rounded to bfloat16 (to nearest, ties to even), as its bits; NaN stays a NaN.
    static func bfloat16Bits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(bits >> 16) | 0x40 }
        return UInt16((bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
    }
}
