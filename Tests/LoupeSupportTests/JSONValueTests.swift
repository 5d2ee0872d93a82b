import Foundation
import LoupeSupport
import XCTest

final class JSONValueTests: XCTestCase {
    func testDecodesEveryKindFromForeignJSON() throws {
        let text =
            #"{"b": true, "n": null, "x": 2.5, "i": -3, "s": "hi", "a": [1, "two", false], "o": {"k": {}}}"#
        let value = try DeterministicJSON.decode(JSONValue.self, from: Data(text.utf8))
        XCTAssertEqual(
            value,
            .object([
                "b": .bool(true), "n": .null, "x": .number(2.5), "i": .number(-3), "s": .string("hi"),
                "a": .array([.number(1), .string("two"), .bool(false)]), "o": .object(["k": .object([:])]),
            ]))
    }

    func testEncodingSortsKeysAndRoundTrips() throws {
        let value: JSONValue = [
            "zeta": 1, "alpha": ["nested_b": true, "nested_a": nil], "mid": [0.5, "s"],
        ]
        let data = try DeterministicJSON.encode(value)
        let text = String(decoding: data, as: UTF8.self)
        let keys = ["alpha", "nested_a", "nested_b", "mid", "zeta"].map {
            text.range(of: "\"\($0)\"")!.lowerBound
        }
        XCTAssertEqual(keys, keys.sorted())
        XCTAssertEqual(try DeterministicJSON.decode(JSONValue.self, from: data), value)
        // Same value built in another insertion order encodes to the same bytes.
        let reordered: JSONValue = [
            "mid": [0.5, "s"], "alpha": ["nested_a": nil, "nested_b": true], "zeta": 1,
        ]
        XCTAssertEqual(try DeterministicJSON.encode(reordered), data)
    }
}
