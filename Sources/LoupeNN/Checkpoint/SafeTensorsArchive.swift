import Foundation
import LoupeSupport
import LoupeTensor

/// The tensors and metadata of a safetensors file.
///
/// The format is an 8-byte little-endian header length, a JSON header mapping each tensor
/// name to its dtype, shape and byte range, then the tensors' bytes. Reading converts
/// every supported dtype to `Float`. Writing stores each tensor in its chosen storage
/// dtype (`F32` unless set otherwise) and lays the file out exactly as the reference
/// implementation (Python's `safetensors.save_file`) does: tensors ordered by dtype, widest
/// first, then by name; header entries in that order after the sorted metadata; header
/// padded with spaces to a multiple of 8 bytes. Equal archives give identical files, and
/// every tensor starts at a multiple of its element size.
///
/// `tensors` holds every tensor as `Float`, which rounds `I32` and `I64` values beyond 2^24;
/// ``integers(named:)`` and ``setIntegers(_:shape:named:storedAs:)`` read and write integer
/// tensors (indices, offsets) exactly.
///
/// ```swift
/// var archive = SafeTensorsArchive(metadata: ["format": "pt"])
/// archive.setTensor(weights, named: "fc1.weight")
/// archive.setTensor(mask, named: "fc1.mask", storedAs: .uint8)
/// try archive.write(to: url)
/// let loaded = try SafeTensorsArchive(contentsOf: url)
/// ```
public struct SafeTensorsArchive: Sendable, Equatable {
    /// The tensors by name, as `Float`.
    public private(set) var tensors: [String: Tensor] = [:]
    /// The tensor names: in data order for a file that was read, then in insertion order.
    public private(set) var names: [String] = []
    /// The dtype each tensor is stored as: as found in a file read, or as set.
    public private(set) var storageTypes: [String: SafeTensorsDType] = [:]
    /// The exact values of the `I32` and `I64` tensors, which `tensors` holds rounded.
    private var wideIntegers: [String: [Int64]] = [:]
    /// Free-form string pairs stored under `__metadata__`.
    public var metadata: [String: String]

    /// Creates an archive with no tensors.
    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Reads and validates the safetensors file at `url`.
    ///
    /// Integer dtypes wider than 24 bits (`I32`, `I64`) and `F64` are rounded to the
    /// nearest `Float`. NaN and infinite weights are loaded as they are.
    public init(contentsOf url: URL) throws {
        let file: Data
        do {
            file = Data(try InputFile.read(url, name: url.path))  // a regular file within the memory budget
        } catch {
            throw SafeTensorsError(source: url.path, kind: .unreadable(reason: error.problem))
        }
        let header = try SafeTensorsHeader(file: file, path: url.path)
        metadata = header.metadata
        file.withUnsafeBytes { bytes in
            let buffer = UnsafeRawBufferPointer(rebasing: bytes[header.dataStart...])
            for entry in header.entries {
                let source = UnsafeRawBufferPointer(rebasing: buffer[entry.range])
                let scalars = Self.decode(source, as: entry.dtype)
                setTensor(
                    Tensor(shape: entry.shape, scalars: scalars), named: entry.name, storedAs: entry.dtype)
                switch entry.dtype {
                case .int64: wideIntegers[entry.name] = Self.decodeIntegers(source, Int64.self)
                case .int32: wideIntegers[entry.name] = Self.decodeIntegers(source, Int32.self)
                default: break
                }
            }
        }
    }

    /// The tensor named `name`, if any.
    public subscript(name: String) -> Tensor? { tensors[name] }

    /// Archives are equal when they hold the same tensors (integer tensors with the same exact
    /// values, whether read from a file or set), names, dtypes and metadata.
    public static func == (left: SafeTensorsArchive, right: SafeTensorsArchive) -> Bool {
        left.tensors == right.tensors && left.names == right.names && left.storageTypes == right.storageTypes
            && left.metadata == right.metadata
            && Set(left.wideIntegers.keys).union(right.wideIntegers.keys).allSatisfy {
                left.integers(named: $0) == right.integers(named: $0)
            }
    }

    /// Adds `tensor` under `name`, or replaces the tensor already there, to be written as `dtype`.
    ///
    /// Writing fails if a value cannot be stored exactly in an integer or `BOOL` dtype;
    /// float dtypes round to nearest.
    public mutating func setTensor(
        _ tensor: Tensor, named name: String, storedAs dtype: SafeTensorsDType = .float32
    ) {
        if tensors.updateValue(tensor, forKey: name) == nil { names.append(name) }
        storageTypes[name] = dtype
        wideIntegers[name] = nil
    }

    /// Adds `values`, of `shape`, under `name` (or replaces the tensor already there), to be
    /// written exactly as `dtype`, an integer dtype.
    ///
    /// Writing fails if a value does not fit `dtype`.
    public mutating func setIntegers(
        _ values: [Int64], shape: [Int], named name: String, storedAs dtype: SafeTensorsDType
    ) {
        precondition(dtype.isInteger, "\(dtype.rawValue) is not an integer dtype")
        precondition(CheckedSize.product(shape) == values.count, "shape \(shape) does not hold \(values.count) values")
        setTensor(Tensor(shape: shape, scalars: values.map { Float($0) }), named: name, storedAs: dtype)
        if dtype == .int64 || dtype == .int32 { wideIntegers[name] = values }
    }

    /// The exact values of tensor `name` if it is stored in an integer dtype (`BOOL`
    /// included), in row-major order; nil for a float tensor or an absent name.
    public func integers(named name: String) -> [Int64]? {
        guard let dtype = storageTypes[name], dtype.isInteger else { return nil }
        return wideIntegers[name] ?? tensors[name]!.scalars.map { Int64($0) }
    }

    /// Removes and returns the tensor named `name`.
    @discardableResult
    public mutating func removeTensor(named name: String) -> Tensor? {
        guard let tensor = tensors.removeValue(forKey: name) else { return nil }
        names.removeAll { $0 == name }
        storageTypes[name] = nil
        wideIntegers[name] = nil
        return tensor
    }

    /// Writes the archive to `url` atomically: the file is complete or unchanged.
    public func write(to url: URL) throws {
        let order = tensors.keys.sorted { left, right in
            let (leftRank, rightRank) = (storageTypes[left]!.layoutRank, storageTypes[right]!.layoutRank)
            return leftRank != rightRank
                ? leftRank > rightRank : left.utf8.lexicographicallyPrecedes(right.utf8)
        }
        if let reserved = order.first(where: { $0 == "__metadata__" }) {
            throw SafeTensorsError(source: url.path, kind: .reservedName(reserved))
        }
        let header = headerBytes(order: order)
        try AtomicFile.write(to: url) { temporary in
            // open(2), not FileManager.createFile: on Linux that writes an empty file through a
            // temporary of its own (`.dat.nosync…`), which an interruption left in the run folder.
            let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw SafeTensorsError(
                    source: url.path,
                    kind: .unwritable(reason: "cannot create a temporary file: \(String(cString: strerror(errno)))"))
            }
            let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
            defer { try? handle.close() }
            do {
                try handle.write(contentsOf: header)
                for name in order {
                    try handle.write(contentsOf: try encode(name, path: url.path))
                }
            } catch let error as SafeTensorsError {
                throw error
            } catch {
                throw SafeTensorsError(
                    source: url.path, kind: .unwritable(reason: InputError.reason(of: error)))
            }
        }
    }

    /// The length prefix and the space-padded JSON header for tensors in `order`.
    private func headerBytes(order: [String]) -> Data {
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                .map { "\(Self.jsonString($0.key)):\(Self.jsonString($0.value))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for name in order {
            let tensor = tensors[name]!
            let dtype = storageTypes[name]!
            let end = offset + tensor.count * dtype.byteSize
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            fields.append(
                "\(Self.jsonString(name)):{\"dtype\":\"\(dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}"
            )
            offset = end
        }
        var json = Array("{\(fields.joined(separator: ","))}".utf8)
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var data = Data(count: 8)
        data.withUnsafeMutableBytes {
            $0.storeBytes(of: UInt64(json.count).littleEndian, as: UInt64.self)
        }
        data.append(contentsOf: json)
        return data
    }

    /// `text` as a JSON string literal.
    private static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{8}": out += "\\b"
            case "\u{c}": out += "\\f"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Converts little-endian elements of `dtype` to `Float`.
    private static func decode(_ bytes: UnsafeRawBufferPointer, as dtype: SafeTensorsDType) -> [Float] {
        let count = bytes.count / dtype.byteSize
        func map<T: FixedWidthInteger>(_: T.Type, _ convert: (T) -> Float) -> [Float] {
            (0..<count).map {
                convert(
                    T(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * T.bitWidth / 8, as: T.self)))
            }
        }
        switch dtype {
        case .float64: return map(UInt64.self) { Float(Double(bitPattern: $0)) }
        case .float32: return map(UInt32.self) { Float(bitPattern: $0) }
        case .float16: return map(UInt16.self, ScalarConversion.float(fromHalfBits:))
        case .bfloat16: return map(UInt16.self, ScalarConversion.float(fromBFloat16Bits:))
        case .int64: return map(Int64.self) { Float($0) }
        case .int32: return map(Int32.self) { Float($0) }
        case .int16: return map(Int16.self) { Float($0) }
        case .int8: return map(Int8.self) { Float($0) }
        case .uint8: return map(UInt8.self) { Float($0) }
        case .bool: return map(UInt8.self) { $0 == 0 ? 0 : 1 }
        }
    }

    /// Little-endian integers of type `T` as `Int64`.
    private static func decodeIntegers<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, _: T.Type) -> [Int64] {
        (0..<bytes.count / MemoryLayout<T>.size).map {
            Int64(T(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self)))
        }
    }

    /// The little-endian bytes of tensor `name` in its storage dtype.
    private func encode(_ name: String, path: String) throws -> Data {
        let scalars = tensors[name]!.scalars
        let dtype = storageTypes[name]!
        if dtype == .float32, UInt32(1).littleEndian == 1 {
            return scalars.withUnsafeBytes { Data($0) }
        }
        var data = Data(capacity: scalars.count * dtype.byteSize)
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
        }
        func unrepresentable(_ value: Float) -> SafeTensorsError {
            SafeTensorsError(
                source: path, kind: .unrepresentableValue(tensor: name, value: value, dtype: dtype))
        }
        func exactly<T: FixedWidthInteger>(_ value: Float, _: T.Type) throws -> T {
            guard let exact = T(exactly: value) else { throw unrepresentable(value) }
            return exact
        }
        if let exact = wideIntegers[name] {
            for value in exact {
                if dtype == .int64 {
                    append(value)
                } else {
                    guard let narrow = Int32(exactly: value) else { throw unrepresentable(Float(value)) }
                    append(narrow)
                }
            }
            return data
        }
        for value in scalars {
            switch dtype {
            case .float64: append(Double(value).bitPattern)
            case .float32: append(value.bitPattern)
            case .float16: append(ScalarConversion.halfBits(from: value))
            case .bfloat16: append(ScalarConversion.bfloat16Bits(from: value))
            case .int64: append(try exactly(value, Int64.self))
            case .int32: append(try exactly(value, Int32.self))
            case .int16: append(try exactly(value, Int16.self))
            case .int8: append(try exactly(value, Int8.self))
            case .uint8: append(try exactly(value, UInt8.self))
            case .bool:
                guard value == 0 || value == 1 else { throw unrepresentable(value) }
                append(UInt8(value))
            }
        }
        return data
    }
}
