import Foundation
import LoupeSupport

/// Reader and writer for NumPy `.npy` files (format versions 1.0, 2.0 and 3.0).
///
/// Supported dtypes: `|u1`, `<i4`, `<i8`, `<f4`, `<f8`, in C order. Fortran-order arrays,
/// big-endian data and other dtypes are rejected with an `InputError`.
public enum NPYFile {
    private static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// Reads the array stored in the file at `url`.
    public static func read(_ url: URL) throws -> NPYArray {
        try decode(InputFile.read(url), file: url.lastPathComponent)
    }

    /// Decodes the bytes of an `.npy` file; `file` names it in errors.
    public static func decode(_ bytes: [UInt8], file: String) throws -> NPYArray {
        func fail(_ problem: String) -> InputError { InputError(source: file, problem: problem) }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw fail("not an NPY file (bad magic)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("NPY header truncated") }
            headerLength = (8..<12).reduce(0) { $0 | Int(bytes[$1]) << (8 * ($1 - 8)) }
            headerStart = 12
        default:
            throw fail("unsupported NPY format version \(major).\(bytes[7])")
        }
        guard headerLength <= bytes.count - headerStart else { throw fail("NPY header truncated") }
        let dataStart = headerStart + headerLength
        let header = String(decoding: bytes[headerStart..<dataStart], as: UTF8.self)

        guard
            let descriptor = value(of: "descr", in: header)?.trimmingCharacters(
                in: CharacterSet(charactersIn: "'\""))
        else { throw fail("NPY header has no 'descr'") }
        guard let order = value(of: "fortran_order", in: header) else {
            throw fail("NPY header has no 'fortran_order'")
        }
        guard order == "False" else {
            throw fail("Fortran-order arrays are not supported; save with C order")
        }
        let shape = try parseShape(header, fail: fail)

        let itemSize: Int
        switch descriptor {
        case "|u1", "<u1": itemSize = 1
        case "<i4", "<f4": itemSize = 4
        case "<i8", "<f8": itemSize = 8
        default: throw fail("unsupported dtype '\(descriptor)' (supported: |u1, <i4, <i8, <f4, <f8)")
        }
        let count: Int
        do {
            count = try CheckedSize.claimedBytes(shape, bytesPerElement: itemSize, for: file)
        } catch let error as SizeError {
            throw fail("NPY \(error.problem)")
        }
        let actual = bytes.count - dataStart
        guard count == actual else {
            throw fail(
                "NPY header claims shape \(shape) of \(descriptor) = \(count) bytes, file has \(actual)")
        }
        let data = bytes[dataStart...]
        switch descriptor {
        case "<i4": return NPYArray(shape: shape, elements: .int32(load(data)))
        case "<i8": return NPYArray(shape: shape, elements: .int64(load(data)))
        case "<f4": return NPYArray(shape: shape, elements: .float32(load(data)))
        case "<f8": return NPYArray(shape: shape, elements: .float64(load(data)))
        default: return NPYArray(shape: shape, elements: .uint8(Array(data)))
        }
    }

    /// Writes `array` to `url` atomically (``AtomicFile``): readers, and other processes writing
    /// the same file, never see a partial file.
    public static func write(_ array: NPYArray, to url: URL) throws {
        try AtomicFile.write(Data(encode(array)), to: url)
    }

    /// Writes a `Float` array with the given shape.
    public static func write(_ values: [Float], shape: [Int], to url: URL) throws {
        try write(NPYArray(shape: shape, elements: .float32(values)), to: url)
    }

    /// Writes an `Int64` array with the given shape.
    public static func write(_ values: [Int64], shape: [Int], to url: URL) throws {
        try write(NPYArray(shape: shape, elements: .int64(values)), to: url)
    }

    /// Writes a `UInt8` array with the given shape.
    public static func write(_ values: [UInt8], shape: [Int], to url: URL) throws {
        try write(NPYArray(shape: shape, elements: .uint8(values)), to: url)
    }

    /// The bytes of an `.npy` file holding `array` (version 1.0, or 2.0 for huge headers).
    public static func encode(_ array: NPYArray) -> [UInt8] {
        let dims = array.shape.map(String.init)
        let shape = dims.count == 1 ? "(\(dims[0]),)" : "(\(dims.joined(separator: ", ")))"
        var header =
            "{'descr': '\(array.elements.descriptor)', 'fortran_order': False, 'shape': \(shape), }"
        let version: UInt8 = header.utf8.count + 64 < 65536 ? 1 : 2
        let prefixSize = version == 1 ? 10 : 12
        // Pad with spaces so the data starts on a 64-byte boundary; the header ends with '\n'.
        header += String(repeating: " ", count: 63 - (prefixSize + header.utf8.count) % 64) + "\n"
        let length = header.utf8.count
        var bytes = magic + [version, 0]
        bytes +=
            version == 1
            ? [UInt8(length & 0xff), UInt8(length >> 8)]
            : (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
        bytes += Array(header.utf8)
        switch array.elements {
        case .uint8(let values): bytes += values
        case .int32(let values): append(values, to: &bytes)
        case .int64(let values): append(values, to: &bytes)
        case .float32(let values): append(values, to: &bytes)
        case .float64(let values): append(values, to: &bytes)
        }
        return bytes
    }

    /// The raw text of `key`'s value in a Python dict literal, up to the next top-level comma.
    private static func value(of key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\""),
            let colon = header[keyRange.upperBound...].firstIndex(of: ":")
        else { return nil }
        let rest = header[header.index(after: colon)...].drop(while: { $0 == " " })
        let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) ?? rest.endIndex
        return String(rest[..<end]).trimmingCharacters(in: .whitespaces)
    }

    private static func parseShape(_ header: String, fail: (String) -> InputError) throws -> [Int] {
        guard let key = header.range(of: "'shape'"),
            let open = header[key.upperBound...].firstIndex(of: "("),
            let close = header[open...].firstIndex(of: ")")
        else { throw fail("NPY header has no 'shape' tuple") }
        let parts = header[header.index(after: open)..<close].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return try parts.map { part in
            guard let dimension = Int(part), dimension >= 0 else {
                throw fail("NPY shape has bad dimension '\(part)'")
            }
            return dimension
        }
    }

    /// Copies little-endian elements out of `data` (the host is little-endian on every
    /// platform Swift supports for Loupe: x86-64 and arm64).
    private static func load<T>(_ data: ArraySlice<UInt8>) -> [T] {
        let count = data.count / MemoryLayout<T>.stride
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            data.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
            }
            initialized = count
        }
    }

    private static func append<T>(_ values: [T], to bytes: inout [UInt8]) {
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }
}
