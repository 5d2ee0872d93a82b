/// The mutations the fuzzer applies to a valid file, deterministic for a given generator.
///
/// Binary mutations flip bits, set bytes to boundary values, write boundary integers over 4- or
/// 8-byte windows (both byte orders), truncate, extend, duplicate or delete a chunk, and splice
/// two seeds. Text mutations, for text formats and the JSON inside binary ones, replace a
/// number with a huge, negative, fractional or non-numeric value, delete a JSON key with its
/// value, duplicate or delete a line, and insert characters that parsers trip on.
enum Mutator {
    /// How a format is mutated.
    enum Style {
        /// Bytes only.
        case binary
        /// Mostly text mutations, sometimes bytes.
        case text
        /// Mostly mutations that keep JSON valid (numbers replaced by valid but hostile
        /// numbers, keys deleted), so the decoded values reach the code that trusts them.
        case json
    }

    /// Returns `input` with one to four mutations stacked; `other` is a second seed to splice
    /// from. Never returns `input` unchanged unless every mutation happened to be a no-op.
    static func mutate(
        _ input: [UInt8], other: [UInt8], style: Style, random: inout FuzzRandom
    ) -> [UInt8] {
        var bytes = input
        let rounds = 1 + random.index(style == .json ? 2 : 4)
        for _ in 0..<rounds {
            if style == .json && random.chance(4, in: 5) {
                if random.chance(2, in: 3) {
                    replaceNumber(&bytes, with: jsonNumbers, random: &random)
                } else {
                    deleteJSONKey(&bytes, random: &random)
                }
            } else if style != .binary && random.chance(3, in: 4) {
                mutateText(&bytes, random: &random)
            } else {
                mutateBytes(&bytes, other: other, random: &random)
            }
        }
        return bytes
    }

    // MARK: Bytes

    static let interestingBytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xFF]

    /// Boundary integers: zero, one, all ones, the signed and unsigned limits of 16, 32 and 64
    /// bits, 2^62 and 4e9.
    static let interestingIntegers: [UInt64] = [
        0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
        0x1_0000_0000, 4_000_000_000, 1 << 62, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, UInt64.max,
        UInt64.max - 1,
    ]

    static func mutateBytes(_ bytes: inout [UInt8], other: [UInt8], random: inout FuzzRandom) {
        switch random.index(10) {
        case 0:  // flip one bit
            guard !bytes.isEmpty else { return }
            bytes[random.index(bytes.count)] ^= UInt8(1) << UInt8(random.index(8))
        case 1:  // set a byte to a boundary value
            guard !bytes.isEmpty else { return }
            bytes[random.index(bytes.count)] = random.pick(interestingBytes)
        case 2:  // a boundary integer over a 4- or 8-byte window, either byte order
            let width = random.chance(1, in: 2) ? 4 : 8
            guard bytes.count >= width else { return }
            var value = random.pick(interestingIntegers)
            if random.chance(1, in: 4) { value = UInt64(bytes.count) &+ UInt64(random.index(5)) &- 2 }
            let start = random.index(bytes.count - width + 1)
            let bigEndian = random.chance(1, in: 2)
            for k in 0..<width {
                let shift = UInt64(8 * (bigEndian ? width - 1 - k : k))
                bytes[start + k] = UInt8(truncatingIfNeeded: value >> shift)
            }
        case 3:  // truncate
            bytes.removeLast(bytes.isEmpty ? 0 : 1 + random.index(bytes.count))
        case 4:  // extend with zeros, 0xFF or random bytes
            let count = 1 + random.index(64)
            let kind = random.index(3)
            bytes += (0..<count).map { _ in kind == 0 ? 0 : kind == 1 ? 0xFF : UInt8(truncatingIfNeeded: random.next())
            }
        case 5:  // duplicate a chunk in place
            guard !bytes.isEmpty else { return }
            let range = chunk(in: bytes.count, random: &random)
            bytes.insert(contentsOf: bytes[range], at: random.index(bytes.count + 1))
        case 6:  // delete a chunk
            guard !bytes.isEmpty else { return }
            bytes.removeSubrange(chunk(in: bytes.count, random: &random))
        case 7:  // splice: a prefix of this seed and a suffix of the other
            guard !bytes.isEmpty, !other.isEmpty else { return }
            bytes = Array(bytes[..<random.index(bytes.count + 1)]) + other[random.index(other.count)...]
        case 8:  // a random byte
            guard !bytes.isEmpty else { return }
            bytes[random.index(bytes.count)] = UInt8(truncatingIfNeeded: random.next())
        default:  // several bit flips in one region
            guard !bytes.isEmpty else { return }
            let start = random.index(bytes.count)
            for _ in 0..<(2 + random.index(6)) {
                let position = min(bytes.count - 1, start + random.index(16))
                bytes[position] ^= UInt8(1) << UInt8(random.index(8))
            }
        }
    }

    /// A non-empty range of up to 64 bytes (or a quarter of the input) inside `0..<count`.
    static func chunk(in count: Int, random: inout FuzzRandom) -> Range<Int> {
        let start = random.index(count)
        let length = 1 + random.index(min(count - start, max(64, count / 4)))
        return start..<start + length
    }

    // MARK: Text

    /// Replacements for a number: huge, negative, fractional, exponent, not a number.
    static let interestingNumbers: [String] = [
        "0", "-1", "-0", "1", "2", "255", "256", "-2147483649", "2147483648", "4294967296", "4000000000",
        "1000000000", "4611686018427387904", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "18446744073709551616", "1e309", "-1e309", "1e-320", "1.5", "0.5", "NaN", "nan",
        "inf", "-inf", "Infinity", "1e30", "", "0x10", "007", "+3", "1_000", "٣",
    ]

    /// Replacements for a number that keep JSON valid.
    static let jsonNumbers: [String] = [
        "0", "-1", "1", "2", "3", "7", "65536", "2147483648", "4294967296", "4000000000", "1000000000",
        "4611686018427387904", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1e30",
        "1e309", "1.5", "0.5", "-0.0", "1e-320",
    ]

    /// Characters that trip parsers: separators, quotes, control characters, a byte-order mark,
    /// invalid UTF-8.
    static let interestingFragments: [[UInt8]] = [
        Array(",".utf8), Array("\"".utf8), Array("\n".utf8), Array("\r".utf8), Array("\r\n".utf8), [0],
        [0x1B], [0x7F], [0xEF, 0xBB, 0xBF], [0xFF, 0xFE], [0xC3], [0xE2, 0x80, 0xAE], Array("{".utf8),
        Array("}".utf8), Array("[".utf8), Array("]".utf8), Array(":".utf8), Array(" ".utf8), Array("\t".utf8),
        Array("\\".utf8), Array("\\u0000".utf8), Array("#".utf8),
    ]

    static func mutateText(_ bytes: inout [UInt8], random: inout FuzzRandom) {
        switch random.index(6) {
        case 0, 1: replaceNumber(&bytes, random: &random)
        case 2: deleteJSONKey(&bytes, random: &random)
        case 3:  // duplicate or delete a line
            let lines = lineRanges(bytes)
            guard !lines.isEmpty else { return }
            let line = random.pick(lines)
            if random.chance(1, in: 2) {
                bytes.insert(contentsOf: bytes[line], at: line.lowerBound)
            } else {
                bytes.removeSubrange(line)
            }
        default:  // insert or overwrite with a troublesome fragment
            let fragment = random.pick(interestingFragments)
            let position = random.index(bytes.count + 1)
            if random.chance(1, in: 2) || position == bytes.count {
                bytes.insert(contentsOf: fragment, at: position)
            } else {
                bytes[position] = fragment[0]
            }
        }
    }

    /// Whether `byte` can be part of a number's text (digits, sign, point, exponent).
    static func isNumberByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x2E || byte == 0x65 || byte == 0x45
            || byte == 0x2B
    }

    /// Replaces one number (a run of digits with its sign, point and exponent) with an
    /// interesting value.
    static func replaceNumber(
        _ bytes: inout [UInt8], with numbers: [String] = interestingNumbers, random: inout FuzzRandom
    ) {
        let digits = bytes.indices.filter { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }
        guard !digits.isEmpty else { return }
        var start = random.pick(digits)
        var end = start + 1
        while start > 0 && isNumberByte(bytes[start - 1]) { start -= 1 }
        while end < bytes.count && isNumberByte(bytes[end]) { end += 1 }
        bytes.replaceSubrange(start..<end, with: Array(random.pick(numbers).utf8))
    }

    /// Deletes one `"key": value` pair (with a neighbouring comma) from JSON text, the value
    /// found by matching brackets and strings; does nothing in text without keys.
    static func deleteJSONKey(_ bytes: inout [UInt8], random: inout FuzzRandom) {
        var keys: [Int] = []  // positions of the opening quote of a key
        var index = 0
        var inString = false
        var stringStart = 0
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if byte == 0x5C {
                    index += 1
                } else if byte == 0x22 {
                    inString = false
                    var next = index + 1
                    while next < bytes.count && (bytes[next] == 0x20 || bytes[next] == 0x0A) { next += 1 }
                    if next < bytes.count && bytes[next] == 0x3A { keys.append(stringStart) }
                }
            } else if byte == 0x22 {
                inString = true
                stringStart = index
            }
            index += 1
        }
        guard !keys.isEmpty else { return }
        let start = random.pick(keys)
        var end = start + 1
        // Skip the key string, the colon, then one value.
        while end < bytes.count && bytes[end] != 0x22 { end += bytes[end] == 0x5C ? 2 : 1 }
        while end < bytes.count && bytes[end] != 0x3A { end += 1 }
        end += 1
        var depth = 0
        inString = false
        while end < bytes.count {
            let byte = bytes[end]
            if inString {
                if byte == 0x5C { end += 1 } else if byte == 0x22 { inString = false }
            } else if byte == 0x22 {
                inString = true
            } else if byte == 0x7B || byte == 0x5B {
                depth += 1
            } else if byte == 0x7D || byte == 0x5D {
                if depth == 0 { break }
                depth -= 1
            } else if byte == 0x2C && depth == 0 {
                break
            }
            end += 1
        }
        end = min(end, bytes.count)
        if end < bytes.count && bytes[end] == 0x2C {
            end += 1  // the comma after the pair, and the spaces after it
            while end < bytes.count && bytes[end] == 0x20 { end += 1 }
        } else if let comma = bytes[..<start].lastIndex(where: { $0 != 0x20 && $0 != 0x0A }), bytes[comma] == 0x2C {
            bytes.removeSubrange(comma..<end)  // the last pair: the comma before it
            return
        }
        bytes.removeSubrange(start..<end)
    }

    /// The ranges of the lines of `bytes`, each with its newline.
    static func lineRanges(_ bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            ranges.append(start..<index + 1)
            start = index + 1
        }
        if start < bytes.count { ranges.append(start..<bytes.count) }
        return ranges
    }
}
