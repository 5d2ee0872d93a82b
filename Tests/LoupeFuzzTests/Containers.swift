/// Minimal writers of the containers Loupe reads (gzip, zip, protobuf fields), so the fuzzer can mutate what is
/// inside a container and still hand the parser a container whose checksums hold.
///
/// Both store their payload uncompressed (deflate's stored blocks, zip's method 0), which the
/// readers accept like any other; the fuzzer mutates real compressed streams separately.
enum Containers {
    /// The CRC-32 (IEEE, reflected) of `bytes`.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        return ~crc
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// A gzip member holding `payload` in stored deflate blocks.
    static func gzip(_ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]
        var offset = 0
        repeat {
            let length = min(65_535, payload.count - offset)
            let final = offset + length == payload.count
            out.append(final ? 1 : 0)
            out += littleEndian(UInt16(length)) + littleEndian(~UInt16(length))
            out += payload[offset..<offset + length]
            offset += length
        } while offset < payload.count
        return out + littleEndian(crc32(payload)) + littleEndian(UInt32(truncatingIfNeeded: payload.count))
    }

    /// A zip archive of stored members, in the given order.
    static func zip(_ members: [(name: String, bytes: [UInt8])]) -> [UInt8] {
        var local: [UInt8] = []
        var central: [UInt8] = []
        for member in members {
            let name = Array(member.name.utf8)
            let crc = crc32(member.bytes)
            let size = UInt32(member.bytes.count)
            let common =
                littleEndian(UInt16(20)) + littleEndian(UInt16(0)) + littleEndian(UInt16(0)) + littleEndian(UInt16(0))
                + littleEndian(UInt16(0)) + littleEndian(crc) + littleEndian(size) + littleEndian(size)
                + littleEndian(UInt16(name.count)) + littleEndian(UInt16(0))
            central += littleEndian(UInt32(0x0201_4B50)) + littleEndian(UInt16(20)) + common
            central += littleEndian(UInt16(0)) + littleEndian(UInt16(0)) + littleEndian(UInt16(0))
            central += littleEndian(UInt32(0)) + littleEndian(UInt32(local.count)) + name
            local += littleEndian(UInt32(0x0403_4B50)) + common + name + member.bytes
        }
        let end =
            littleEndian(UInt32(0x0605_4B50)) + littleEndian(UInt16(0)) + littleEndian(UInt16(0))
            + littleEndian(UInt16(members.count)) + littleEndian(UInt16(members.count))
            + littleEndian(UInt32(central.count)) + littleEndian(UInt32(local.count)) + littleEndian(UInt16(0))
        return local + central + end
    }

    /// The header JSON of a safetensors file and the bytes after it, or nil when the length
    /// prefix does not fit.
    static func safetensorsParts(_ file: [UInt8]) -> (header: [UInt8], body: [UInt8])? {
        guard file.count >= 8 else { return nil }
        let length = file[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard length <= UInt64(file.count - 8) else { return nil }
        return (Array(file[8..<8 + Int(length)]), Array(file[(8 + Int(length))...]))
    }

    /// A safetensors file from a header JSON and the tensor bytes, with the length prefix fixed.
    static func safetensors(header: [UInt8], body: [UInt8]) -> [UInt8] {
        littleEndian(UInt64(header.count)) + header + body
    }

    // MARK: Protobuf

    /// A protobuf base-128 varint.
    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        while value >= 0x80 {
            out.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        return out + [UInt8(value)]
    }

    /// A varint field: its key (field number, wire type 0), then the value.
    static func protobufField(_ number: Int, varint value: Int64) -> [UInt8] {
        varint(UInt64(number) << 3) + varint(UInt64(bitPattern: value))
    }

    /// A length-delimited field (wire type 2): a string, bytes, a message or a packed list.
    static func protobufField(_ number: Int, bytes: [UInt8]) -> [UInt8] {
        varint(UInt64(number) << 3 | 2) + varint(UInt64(bytes.count)) + bytes
    }

    /// A 32-bit field (wire type 5), such as a `float`.
    static func protobufField(_ number: Int, fixed32 value: UInt32) -> [UInt8] {
        varint(UInt64(number) << 3 | 5) + littleEndian(value)
    }
}
