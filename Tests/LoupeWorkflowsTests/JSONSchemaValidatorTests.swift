import Foundation
import LoupeSupport
import XCTest

/// The test-only validator on small schemas, for the keywords the Kubernetes fixture does
/// not exercise. Each accept/reject is Python jsonschema 4.26.0's (`Draft202012Validator`,
/// int64 checked by a format checker), run once, except two it does not give: it ignores
/// `x-kubernetes-int-or-string` (here the API server's meaning, an integer or a string), and
/// it raises on a reference that does not resolve (here a violation).
final class JSONSchemaValidatorTests: XCTestCase {
    private func violations(_ instance: JSONValue, _ schema: JSONValue) throws -> [String] {
        try JSONSchemaValidator(schema: schema).violations(of: instance).map(\.description)
    }

    func testIntOrStringAcceptsIntegersAndStrings() throws {
        let schema: JSONValue = ["properties": ["port": ["x-kubernetes-int-or-string": true]]]
        XCTAssertEqual(try violations(["port": 8080], schema), [])
        XCTAssertEqual(try violations(["port": "http"], schema), [])
        XCTAssertEqual(try violations(["port": 80.5], schema), ["port: expected string or integer, got number"])
        XCTAssertEqual(try violations(["port": [:]], schema), ["port: expected string or integer, got object"])
    }

    /// jsonschema: 1.5 fails both anyOf branches (rejected); "a" passes the string branch;
    /// allOf checks every branch (3 is an integer but not in the enum: rejected).
    func testAnyOfAndAllOf() throws {
        let anyOf: JSONValue = ["anyOf": [["type": "integer"], ["type": "string"]]]
        XCTAssertEqual(try violations(1.5, anyOf), ["(document): expected integer or string, got number"])
        XCTAssertEqual(try violations("a", anyOf), [])
        let allOf: JSONValue = ["allOf": [["type": "integer"], ["enum": [1, 2]]]]
        XCTAssertEqual(try violations(2, allOf), [])
        XCTAssertEqual(try violations(3, allOf), ["(document): expected one of 1, 2, got 3"])
    }

    /// References follow JSON pointers with `~1` for `/`; a schema for additional members
    /// checks each of them; a boolean false schema refuses everything.
    func testReferencesAndAdditionalPropertiesSchemas() throws {
        let schema: JSONValue = [
            "$defs": ["a/b": ["type": "string"], "never": false],
            "properties": ["fixed": ["$ref": "#/$defs/never"]],
            "additionalProperties": ["$ref": "#/$defs/a~1b"],
        ]
        XCTAssertEqual(try violations(["x": "1", "y": "2"], schema), [])
        XCTAssertEqual(
            try violations(["x": 1, "fixed": "z"], schema),
            ["fixed: no value is allowed here", "x: expected string, got integer"])
        XCTAssertEqual(
            try violations("z", ["$ref": "#/$defs/missing"]),
            ["(document): schema reference #/$defs/missing does not resolve"])
    }

    func testItemsAndInt64Bounds() throws {
        let schema: JSONValue = ["items": ["type": "integer", "format": "int64"]]
        XCTAssertEqual(try violations([1, -9_223_372_036_854_775_807, 0x1p62], schema), [])
        XCTAssertEqual(
            try violations([1, .number(0x1p63), "2"], schema),
            ["[1]: 9.223372036854776e+18 is outside the range of int64", "[2]: expected integer, got string"])
    }

    /// A keyword the validator does not check is refused when the schema is loaded, not ignored.
    func testAnUnsupportedKeywordIsRefused() {
        let schema: JSONValue = ["$defs": ["name": ["type": "string", "pattern": "^[a-z]+$"]]]
        XCTAssertThrowsError(try JSONSchemaValidator(schema: schema)) { error in
            XCTAssertEqual(
                "\(error)", "#/$defs/name: JSON Schema keyword \"pattern\" is not supported")
        }
    }
}
