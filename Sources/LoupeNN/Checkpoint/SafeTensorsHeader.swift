import Foundation
import LoupeSupport

/// The validated header of a safetensors file: where each tensor's bytes are.
struct SafeTensorsHeader {
    /// One tensor's entry in the header.
    struct Entry {
        var name: String
        var dtype: SafeTensorsDType
        var shape: [Int]
        /// Byte range within the data buffer that follows the header.
        var range: Range<Int>
    }

    /// Largest header accepted; the reference implementation uses the same limit.
    static let maximumHeaderBytes: UInt64 = 100_000_000

    /// Entries ordered by their position in the data buffer.
    var entries: [Entry]
    var metadata: [String: String]
    /// Bytes before the data buffer: the 8-byte length plus the JSON.
    var dataStart: Int

    /// Parses and validates the header of `file`, a whole safetensors file.
    ///
    /// Every size is checked against `file.count` before anything is allocated from it.
    init(file: Data, path: String) throws {
        func fail(_ problem: SafeTensorsError.Kind) -> SafeTensorsError {
            SafeTensorsError(source: path, kind: problem)
        }
        guard file.count >= 8 else { throw fail(.fileTooShort(bytes: file.count)) }
        let headerBytes = file.withUnsafeBytes {
            UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))
        }
        guard headerBytes <= Self.maximumHeaderBytes else {
            throw fail(.headerTooLarge(headerBytes: headerBytes))
        }
        guard headerBytes <= UInt64(file.count - 8) else {
            throw fail(.headerExceedsFile(headerBytes: headerBytes, fileBytes: file.count))
        }
        dataStart = 8 + Int(headerBytes)
        let bufferBytes = file.count - dataStart

        let json: JSONValue
        do {
            let start = file.startIndex
            json = try JSONDecoder().decode(JSONValue.self, from: file[start + 8..<start + dataStart])
        } catch {
            throw fail(.invalidHeader(reason: Self.oneLine(error)))
        }
        guard case .object(let fields) = json else {
            throw fail(.invalidHeader(reason: "not a JSON object"))
        }

        metadata = [:]
        var entries: [Entry] = []
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            if name == "__metadata__" {
                guard case .object(let pairs) = value else {
                    throw fail(.invalidHeader(reason: "__metadata__ is not an object"))
                }
                for (key, value) in pairs {
                    guard case .string(let text) = value else {
                        throw fail(.invalidHeader(reason: "__metadata__ value for '\(key)' is not a string"))
                    }
                    metadata[key] = text
                }
                continue
            }
            entries.append(try Self.entry(name: name, value: value, bufferBytes: bufferBytes, fail: fail))
        }

        // The buffer must be exactly tiled by the tensors: no overlaps, no holes.
        entries.sort {
            ($0.range.lowerBound, $0.range.upperBound, $0.name) < (
                $1.range.lowerBound, $1.range.upperBound, $1.name
            )
        }
        var covered = 0
        for (index, entry) in entries.enumerated() {
            if entry.range.lowerBound < covered {
                throw fail(.overlap(tensor: entries[index - 1].name, other: entry.name))
            }
            if entry.range.lowerBound > covered {
                throw fail(.uncoveredBytes(begin: covered, end: entry.range.lowerBound))
            }
            covered = entry.range.upperBound
        }
        if covered < bufferBytes { throw fail(.uncoveredBytes(begin: covered, end: bufferBytes)) }
        self.entries = entries
    }

    private static func entry(
        name: String, value: JSONValue, bufferBytes: Int,
        fail: (SafeTensorsError.Kind) -> SafeTensorsError
    ) throws -> Entry {
        guard case .object(let fields) = value else {
            throw fail(.invalidHeader(reason: "entry for '\(name)' is not an object"))
        }
        guard case .string(let dtypeName) = fields["dtype"] else {
            throw fail(.invalidHeader(reason: "entry for '\(name)' has no dtype string"))
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw fail(.unknownDType(tensor: name, dtype: dtypeName))
        }

        guard case .array(let dimensions) = fields["shape"] else {
            throw fail(.invalidShape(tensor: name, reason: "missing or not an array"))
        }
        var shape: [Int] = []
        for dimension in dimensions {
            guard let extent = integer(dimension) else {
                throw fail(.invalidShape(tensor: name, reason: "a dimension is not an integer"))
            }
            guard extent >= 0 else {
                throw fail(.invalidShape(tensor: name, reason: "negative dimension \(extent)"))
            }
            shape.append(extent)
        }
        // A zero extent does not hide an overflow in the others.
        guard let byteCount = CheckedSize.product(shape + [dtype.byteSize]) else {
            throw fail(.invalidShape(tensor: name, reason: "element count overflows"))
        }

        guard case .array(let offsets) = fields["data_offsets"], offsets.count == 2,
            let begin = integer(offsets[0]), let end = integer(offsets[1]), begin >= 0
        else { throw fail(.invalidOffsets(tensor: name, reason: "expected two non-negative integers")) }
        guard end >= begin else {
            throw fail(.invalidOffsets(tensor: name, reason: "end \(end) is before begin \(begin)"))
        }
        guard end <= bufferBytes else {
            throw fail(.offsetsOutOfBuffer(tensor: name, end: end, bufferBytes: bufferBytes))
        }
        guard end - begin == byteCount else {
            throw fail(.lengthMismatch(tensor: name, expectedBytes: byteCount, actualBytes: end - begin))
        }
        return Entry(name: name, dtype: dtype, shape: shape, range: begin..<end)
    }

    /// The exact integer a JSON number holds, if it holds one within ±2^53.
    private static func integer(_ value: JSONValue) -> Int? {
        guard case .number(let number) = value, number.rounded() == number, abs(number) <= 0x1p53 else {
            return nil
        }
        return Int(number)
    }

    private static func oneLine(_ error: any Error) -> String {
        let text: String
        if case DecodingError.dataCorrupted(let context) = error {
            text = context.debugDescription + ((context.underlyingError).map { " (\($0))" } ?? "")
        } else {
            text = "\(error)"
        }
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
