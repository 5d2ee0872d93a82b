import Foundation

/// JSON coding with a fixed output form: pretty-printed, object keys sorted, slashes
/// unescaped, dates as ISO 8601. Equal values encode to identical bytes.
package enum DeterministicJSON {
    /// Encodes `value`, ending with a newline.
    package static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(value) + Data("\n".utf8)
    }

    /// Decodes a `T` encoded by ``encode(_:)`` (or any JSON with ISO 8601 dates).
    package static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: data)
    }
}
