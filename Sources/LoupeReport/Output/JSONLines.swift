import Foundation
import LoupeSupport

/// JSON Lines: one compact JSON value per line, each line ended by a line feed.
///
/// Object keys are sorted, slashes are not escaped and dates are ISO 8601, so equal values
/// give identical bytes. Line feeds inside strings are escaped, so each value stays on its
/// line.
public enum JSONLines {
    /// The JSON Lines encoding of `values`.
    ///
    /// - Throws: ``JSONLinesError`` naming the first value that cannot be encoded, such as
    ///   one holding a NaN or infinite number, which JSON cannot represent.
    public static func encode<Value: Encodable>(_ values: [Value]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var data = Data()
        for (index, value) in values.enumerated() {
            do {
                data += try encoder.encode(value)
            } catch {
                throw JSONLinesError(line: index + 1, underlying: error)
            }
            data.append(UInt8(ascii: "\n"))
        }
        return data
    }

    /// Writes `values` as JSON Lines to `url`, atomically.
    ///
    /// - Throws: `InputError` naming the file and the line that cannot be encoded or written.
    public static func write<Value: Encodable>(_ values: [Value], to url: URL) throws {
        let data: Data
        do {
            data = try encode(values)
        } catch let error as JSONLinesError {
            throw InputError(source: url.path, problem: error.description)
        }
        try AtomicFile.write(data, to: url)
    }
}

/// A value that could not be encoded as a JSON line.
public struct JSONLinesError: LoupeError {
    /// The 1-based line the value would have been written on.
    public var line: Int
    /// Why encoding failed.
    public var reason: String

    init(line: Int, underlying error: any Error) {
        self.line = line
        switch error {
        case EncodingError.invalidValue(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            reason = path.isEmpty ? context.debugDescription : "field '\(path)': \(context.debugDescription)"
        default:
            reason = "\(error)"
        }
    }

    public var source: String { "line \(line)" }

    public var problem: String { "cannot encode as JSON: \(reason)" }
}
