import Foundation
import LoupeSupport

/// Reader for NumPy `.npz` archives: zip files whose members are `.npy` files.
///
/// Members may be stored or deflated (`np.savez` and `np.savez_compressed`); zip64 sizes
/// in the central directory are understood. Each member's CRC-32 is checked.
///
/// Opening an archive reads its directory only; a member is inflated and decoded when it is
/// asked for, so members nobody needs cost nothing. The members decoded from one archive
/// share one memory budget, so neither many members nor many directory entries pointing at
/// one large member can add up past it.
public struct NPZArchive {
    /// Where one member's data is and what it should decode to.
    struct Member {
        var name: String
        var method: Int
        var crc: UInt32
        var compressedSize: Int
        var size: Int
        var dataStart: Int
    }

    let bytes: [UInt8]
    let file: String
    /// The members by array name (the member name without `.npy`).
    let members: [String: Member]
    let budget: MemoryBudget
    /// Bytes of member data inflated so far, counted against `budget`.
    private(set) var decodedBytes = 0

    /// The array names in the archive, sorted.
    public var arrayNames: [String] { members.keys.sorted() }

    /// Reads the archive at `url` and checks its directory.
    ///
    /// - Throws: `InputError` naming the archive when it is not a zip archive, when its
    ///   directory or a local header is corrupt, or when two members have one name.
    public init(contentsOf url: URL, budget: MemoryBudget = .current) throws {
        bytes = try InputFile.read(url)
        file = url.lastPathComponent
        self.budget = budget
        members = try Self.directory(of: bytes, file: file)
    }

    /// The array `name`, or nil when the archive has none by that name.
    ///
    /// - Throws: `InputError` when the member is corrupt, uses an unsupported compression,
    ///   or would take the archive's decoded members past the memory budget.
    public mutating func array(_ name: String) throws -> NPYArray? {
        guard let member = members[name] else { return nil }
        let label = "\(file) (\(member.name))"
        let (total, overflow) = decodedBytes.addingReportingOverflow(member.size)
        guard !overflow, total <= budget.bytes else {
            throw InputError(
                source: label,
                problem:
                    "claims \(MemoryBudget.describe(member.size)) after \(MemoryBudget.describe(decodedBytes)) of other members, over the memory budget of \(MemoryBudget.describe(budget.bytes)) (set LOUPE_MEMORY_BUDGET to raise it)"
            )
        }
        decodedBytes = total
        let stored = bytes[member.dataStart..<member.dataStart + member.compressedSize]
        let data: [UInt8]
        switch member.method {
        case 0: data = Array(stored)
        case 8:
            data = try Gzip.decompress(
                Array(stored), format: .rawDeflate, claimedSize: member.size, budget: budget, file: label)
        default:
            throw InputError(
                source: file, problem: "member \(member.name): unsupported zip compression method \(member.method)")
        }
        guard data.count == member.size, Gzip.crc32(data[...]) == member.crc else {
            throw InputError(source: file, problem: "member \(member.name): size or CRC-32 mismatch (corrupt archive)")
        }
        return try NPYFile.decode(data, file: label)
    }

    /// Reads every array in the archive, keyed by member name without the `.npy` suffix.
    public static func read(_ url: URL, budget: MemoryBudget = .current) throws -> [String: NPYArray] {
        var archive = try NPZArchive(contentsOf: url, budget: budget)
        var arrays: [String: NPYArray] = [:]
        for name in archive.arrayNames { arrays[name] = try archive.array(name) }
        return arrays
    }

    /// The members listed in the central directory, each checked to lie within the file.
    private static func directory(of bytes: [UInt8], file: String) throws -> [String: Member] {
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

        var members: [String: Member] = [:]
        for _ in 0..<entryCount {
            guard offset >= 0, offset <= bytes.count - 46, uint32(bytes, offset) == 0x0201_4b50 else {
                throw fail("corrupt zip central directory")
            }
            let directoryEntry = offset
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
            guard dataStart <= bytes.count, compressedSize <= bytes.count - dataStart else {
                throw fail("member \(name): data truncated")
            }
            guard uint16(bytes, directoryEntry + 8) & 1 == 0 else { throw fail("member \(name) is encrypted") }
            let key = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
            guard members[key] == nil else {
                throw fail("member \(name) appears twice; which one holds the array is ambiguous")
            }
            members[key] = Member(
                name: name, method: method, crc: crc, compressedSize: compressedSize, size: size,
                dataStart: dataStart)
        }
        return members
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
