import Foundation

/// Sizes (unit counts, kernel sizes, shape extents) read from an architecture JSON file.
///
/// Foundation's `JSONDecoder` reports a number that does not fit `Int` (`1e30`, `10.5`,
/// `18446744073709551616`) as "The given data was not valid JSON.", with no field. These
/// decoders report it as a `DecodingError.dataCorrupted` at the field instead, with the value
/// as written, so the message says which field is wrong and why.
extension KeyedDecodingContainer {
    /// The whole number at `key`.
    ///
    /// - Parameter field: how the message names the field (`linear: out`).
    func decodeSize(forKey key: Key, field: String) throws -> Int {
        do { return try decode(Int.self, forKey: key) } catch let error as DecodingError { throw error } catch {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: JSONSize.problem(field: field, written: try? decode(Decimal.self, forKey: key)))
        }
    }
}

extension UnkeyedDecodingContainer {
    /// The next element, a whole number.
    ///
    /// - Parameter field: how the message names the array (`inputShape`).
    mutating func decodeSize(field: String) throws -> Int {
        do { return try decode(Int.self) } catch let error as DecodingError { throw error } catch {
            // The element was not consumed: read it again as a decimal to quote it.
            let written = try? decode(Decimal.self)
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: codingPath, debugDescription: JSONSize.problem(field: field, written: written)))
        }
    }
}

/// The message for a size that does not fit `Int`.
enum JSONSize {
    static func problem(field: String, written: Decimal?) -> String {
        "\(field) must be a whole number up to \(Int.max), got \(written.map { "\($0)" } ?? "a number that is not")"
    }
}
