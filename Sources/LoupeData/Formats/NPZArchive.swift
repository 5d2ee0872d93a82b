import Foundation
import LoupeSupport

/// Reader for NumPy `.npz` archives: zip files whose members are `.npy` files.
///
/// Members may be stored or deflated (`np.savez` and `np.savez_compressed`); zip64 sizes
/// in the central directory are understood. Each member's CRC-32 is checked.
public enum NPZArchive {
    /// Reads every array in the archive, keyed by member name without the `.npy` suffix.
    public static func read(_ url: URL) throws -> [String: NPYArray] {
        let bytes = try InputFile.read(url)
        let file = url.lastPathComponent
        func fail(_ problem: String) -> InputError { InputError(source: file, problem: problem) }

        // The end-of-central-directory record is within the last 22 + 65535 bytes.
        let searchStart = max(0, bytes.count - 22 - 65535)
        guard bytes.count >= 22,
            let end = stride(from: bytes.count - 22, through: searchStart, by: -1).first(where: {
                uint32(bytes, $0) == 0x0605_4b50
            })
        else { throw fail("not a zip archive (no end-of-central-directory record)") }
        let entryCount = uint16(bytes, end + 10)
        var offset = uint32(bytes, end + 16)

        var arrays: [String: NPYArray] = [:]
        for _ in 0..<entryCount {
            guard offset >= 0, offset <= bytes.count - 46, uint32(bytes, offset) == 0x0201_4b50 else {
                throw fail("corrupt zip central directory")
            }
            let method = uint16(bytes, offset + 10)
            let crc = UInt32(uint32(bytes, offset + 16))
            var compressedSize = uint32(bytes, offset + 20)
            var size = uint32(bytes, offset + 24)
            let nameLength = uint16(bytes, offset + 28)
            let extraLength = uint16(bytes, offset + 30)
            let commentLength = uint16(bytes, offset + 32)
            var localOffset = uint32(bytes, offset + 42)
            let nameStart = offset + 46
            guard nameStart + nameLength + extraLength <= bytes.count else {
                throw fail("corrupt zip central directory")
            }
            let name = String(decoding: bytes[nameStart..<nameStart + nameLength], as: UTF8.self)
            readZip64Sizes(
                bytes[nameStart + nameLength..<nameStart + nameLength + extraLength],
                size: &size, compressedSize: &compressedSize, localOffset: &localOffset)
            offset = nameStart + nameLength + extraLength + commentLength

            guard localOffset <= bytes.count - 30, uint32(bytes, localOffset) == 0x0403_4b50 else {
                throw fail("member \(name): corrupt local header")
            }
            let dataStart =
                localOffset + 30 + uint16(bytes, localOffset + 26) + uint16(bytes, localOffset + 28)
            guard compressedSize <= bytes.count - dataStart else {
                throw fail("member \(name): data truncated")
            }
            let stored = bytes[dataStart..<dataStart + compressedSize]
            let member: [UInt8]
            switch method {
            case 0: member = Array(stored)
            case 8:
                member = try Gzip.decompress(
                    Array(stored), format: .rawDeflate, claimedSize: size,
                    file: "\(file) (\(name))")
            default: throw fail("member \(name): unsupported zip compression method \(method)")
            }
            guard member.count == size, Gzip.crc32(member[...]) == crc else {
                throw fail("member \(name): size or CRC-32 mismatch (corrupt archive)")
            }
            let key = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
            arrays[key] = try NPYFile.decode(member, file: "\(file) (\(name))")
        }
        return arrays
    }

    /// Replaces 0xFFFFFFFF placeholders with the values in a zip64 extended-information field.
    private static func readZip64Sizes(
        _ extra: ArraySlice<UInt8>, size: inout Int, compressedSize: inout Int, localOffset: inout Int
    ) {
        var position = extra.startIndex
        while position + 4 <= extra.endIndex {
            let id = uint16(extra, position)
            let length = uint16(extra, position + 2)
            var field = position + 4
            position = field + length
            guard id == 0x0001, position <= extra.endIndex else { continue }
            if size == 0xFFFF_FFFF, field + 8 <= position {
                size = uint64(extra, field)
                field += 8
            }
            if compressedSize == 0xFFFF_FFFF, field + 8 <= position {
                compressedSize = uint64(extra, field)
                field += 8
            }
            if localOffset == 0xFFFF_FFFF, field + 8 <= position { localOffset = uint64(extra, field) }
        }
    }

    private static func uint16<C: Collection<UInt8>>(_ bytes: C, _ offset: C.Index) -> Int
    where C.Index == Int {
        Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
    }

    private static func uint32<C: Collection<UInt8>>(_ bytes: C, _ offset: C.Index) -> Int
    where C.Index == Int {
        uint16(bytes, offset) | uint16(bytes, offset + 2) << 16
    }

    /// A little-endian 64-bit value, clamped to `Int.max` so later bounds checks reject it.
    private static func uint64<C: Collection<UInt8>>(_ bytes: C, _ offset: C.Index) -> Int
    where C.Index == Int {
        let value = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
        return value > UInt64(Int.max) ? Int.max : Int(value)
    }
}
