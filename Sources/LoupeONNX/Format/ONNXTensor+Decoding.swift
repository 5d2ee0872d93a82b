import Foundation
import LoupeSupport

extension ONNXTensor {
    /// Decodes a `TensorProto`: its shape, checked and sized against the budget before its
    /// data is read, then its data from `raw_data`, the typed field its element type uses, or
    /// its external data file; `what` names it in errors (`initializer 'fc.weight'`).
    init(decoding proto: ProtoONNX_TensorProto, what: String, context: DecodingContext) throws(ONNXError) {
        guard let dataType = ONNXDataType(rawValue: Int(proto.dataType)) else {
            throw context.error(
                "\(what): element type \(ONNXDataType.describe(number: proto.dataType)) is not supported")
        }
        guard proto.dims.count <= FormatLimits.maxRank else {
            throw context.error(
                "\(what): \(proto.dims.count) dimensions, more than the \(FormatLimits.maxRank) Loupe reads")
        }
        for dimension in proto.dims where dimension < 0 || dimension >= FormatLimits.dimensionBound {
            throw context.error("\(what): dimension \(dimension) of shape \(proto.dims) is not between 0 and 2^31 - 1")
        }
        let shape = proto.dims.map { Int($0) }
        let described = "shape \(shape) (\(dataType.specificationName))"
        // The larger of the stored and the decoded element (Float or Int64) sizes the claim.
        let decodedBytes = dataType.isFloatingPoint ? MemoryLayout<Float>.size : MemoryLayout<Int64>.size
        guard let count = CheckedSize.product(shape),
            let claim = CheckedSize.product(count, max(dataType.byteCount, decodedBytes))
        else { throw context.error("\(what): \(described) has more elements than memory can hold", isSizeLimit: true) }
        try context.claim(claim, for: "\(what) of \(described)")
        let byteCount = count * dataType.byteCount

        if proto.hasDataLocation && proto.dataLocation == .external {
            guard let files = context.externalData else {
                throw context.error("\(what): its data is in an external file, and no folder was given to read it from")
            }
            let bytes = try files.bytes(for: proto.externalData, expected: byteCount, what: "\(what) of \(described)")
            self = bytes.withUnsafeBytes { Self(name: proto.name, shape: shape, dataType: dataType, littleEndian: $0) }
        } else if proto.hasRawData {
            guard proto.rawData.count == byteCount else {
                throw context.error(
                    "\(what): raw_data holds \(proto.rawData.count) bytes, its \(described) needs \(byteCount)")
            }
            self = proto.rawData.withUnsafeBytes {
                Self(name: proto.name, shape: shape, dataType: dataType, littleEndian: $0)
            }
        } else {
            self = try Self(name: proto.name, shape: shape, dataType: dataType, typedFieldsOf: proto) {
                (field: String, found: Int) throws(ONNXError) in
                throw context.error("\(what): \(field) holds \(found) values, its \(described) needs \(count)")
            }
        }
    }

    /// The elements of `raw`, `count * dataType.byteCount` little-endian bytes.
    init(name: String, shape: [Int], dataType: ONNXDataType, littleEndian raw: UnsafeRawBufferPointer) {
        let count = raw.count / dataType.byteCount
        func load<T: FixedWidthInteger>(_: T.Type, _ index: Int) -> T {
            T(littleEndian: raw.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.size, as: T.self))
        }
        switch dataType {
        case .float:
            self.init(name: name, shape: shape, floats: (0..<count).map { Float(bitPattern: load(UInt32.self, $0)) })
        case .double:
            self.init(
                name: name, shape: shape,
                floats: (0..<count).map { Float(Double(bitPattern: load(UInt64.self, $0))) }, dataType: .double)
        case .float16:
            self.init(
                name: name, shape: shape, floats: (0..<count).map { Float(Float16(bitPattern: load(UInt16.self, $0))) },
                dataType: .float16)
        case .bfloat16:
            self.init(
                name: name, shape: shape,
                floats: (0..<count).map { Float(bitPattern: UInt32(load(UInt16.self, $0)) << 16) }, dataType: .bfloat16)
        case .uint8:
            self.init(name: name, shape: shape, integers: raw.map { Int64($0) }, dataType: .uint8)
        case .int8:
            self.init(name: name, shape: shape, integers: raw.map { Int64(Int8(bitPattern: $0)) }, dataType: .int8)
        case .bool:
            self.init(name: name, shape: shape, integers: raw.map { $0 == 0 ? 0 : 1 }, dataType: .bool)
        case .int32:
            self.init(
                name: name, shape: shape, integers: (0..<count).map { Int64(load(Int32.self, $0)) }, dataType: .int32)
        case .int64:
            self.init(name: name, shape: shape, integers: (0..<count).map { load(Int64.self, $0) }, dataType: .int64)
        }
    }

    /// The elements of a tensor without `raw_data`, from the typed field its element type uses:
    /// `float_data`, `double_data`, `int64_data`, or `int32_data` (which also holds 8-bit and
    /// boolean values, and 16-bit floats as their bit patterns).
    ///
    /// - Parameter mismatch: makes the error for a field holding `found` values instead of the
    ///   shape's count.
    init(
        name: String, shape: [Int], dataType: ONNXDataType, typedFieldsOf proto: ProtoONNX_TensorProto,
        mismatch: (_ field: String, _ found: Int) throws(ONNXError) -> Never
    ) throws(ONNXError) {
        let count = shape.reduce(1, *)
        switch dataType {
        case .float:
            guard proto.floatData.count == count else { try mismatch("float_data", proto.floatData.count) }
            self.init(name: name, shape: shape, floats: proto.floatData)
        case .double:
            guard proto.doubleData.count == count else { try mismatch("double_data", proto.doubleData.count) }
            self.init(name: name, shape: shape, floats: proto.doubleData.map { Float($0) }, dataType: .double)
        case .int64:
            guard proto.int64Data.count == count else { try mismatch("int64_data", proto.int64Data.count) }
            self.init(name: name, shape: shape, integers: proto.int64Data, dataType: .int64)
        case .float16, .bfloat16, .int32, .int8, .uint8, .bool:
            let values = proto.int32Data
            guard values.count == count else { try mismatch("int32_data", values.count) }
            switch dataType {
            case .float16:
                self.init(
                    name: name, shape: shape,
                    floats: values.map { Float(Float16(bitPattern: UInt16(truncatingIfNeeded: $0))) },
                    dataType: .float16)
            case .bfloat16:
                self.init(
                    name: name, shape: shape,
                    floats: values.map { Float(bitPattern: UInt32(UInt16(truncatingIfNeeded: $0)) << 16) },
                    dataType: .bfloat16)
            case .int8:
                self.init(
                    name: name, shape: shape, integers: values.map { Int64(Int8(truncatingIfNeeded: $0)) },
                    dataType: .int8)
            case .uint8:
                self.init(
                    name: name, shape: shape, integers: values.map { Int64(UInt8(truncatingIfNeeded: $0)) },
                    dataType: .uint8)
            case .bool:
                self.init(name: name, shape: shape, integers: values.map { $0 == 0 ? 0 : 1 }, dataType: .bool)
            default:
                self.init(name: name, shape: shape, integers: values.map { Int64($0) }, dataType: .int32)
            }
        }
    }
}
