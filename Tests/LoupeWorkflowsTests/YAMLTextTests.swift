import Foundation
import LoupeSupport
import XCTest

@testable import LoupeWorkflows

/// YAML checked against PyYAML: the expected texts below are ``YAMLText``'s output, and
/// `yaml.safe_load` (PyYAML 6.0.3, YAML 1.1) and ruamel.yaml 0.19.1 (`typ="safe"`, YAML 1.2)
/// were checked once to read each back equal to the JSON the value encodes to (integers as
/// integers, floats as floats, every string as the same string), and `yaml.safe_load_all` to
/// read the stream as its four documents.
final class YAMLTextTests: XCTestCase {
    /// Keys in every order and of every kind, strings YAML would otherwise read as booleans,
    /// null, numbers or comments, escapes, nesting of arrays in arrays and objects in arrays.
    static let nested: JSONValue = [
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": ["name": "loupe-population", "labels": ["app.kubernetes.io/name": "loupe"]],
        "numbers": [4, -3, 0, 0.5, -2.25, 1e-7, 1.5e20, 9_007_199_254_740_992, 1e16, 0x1p63, 123_456_789_012],
        "flags": [true, false, nil],
        "strings": [
            "", "yes", "no", "on", "null", "~", "123", "1e3", "0x1F", "- dash", "a: b", "# not a comment",
            "quote \" and \\ backslash", "line\nbreak\ttab\r", "\u{01}\u{08}\u{0C}\u{1F}\u{7F}\u{85}", "é ü 日本 🙂",
            "\u{2028}\u{2029}\u{FEFF}", "  leading and trailing  ", "$(JOB_COMPLETION_INDEX)", "'single'", "{braces}",
        ],
        "keys": [
            "y": 1, "N": 2, "On": 3, "NULL": 4, "1abc": 5, "with space": 6, "": 7, "a:b": 8, "_under": 9,
            "dash-ed.dot/slash": 10, "ключ": 11,
        ],
        "empty": ["object": [:], "array": []],
        "matrix": [[1, 2], [], [[3]], [["a": 1, "b": [2, 3]]]],
        "containers": [
            [
                "name": "loupe", "command": ["loupe"], "args": ["population", "--shard", "$(JOB_COMPLETION_INDEX)/4"],
                "resources": ["limits": ["cpu": 2, "memory": "4Gi"]],
                "env": [["name": "A", "value": "1"], ["name": "B", "valueFrom": ["fieldRef": ["fieldPath": "x"]]]],
            ]
        ],
    ]

    func testANestedDocumentIsBlockStyleWithSortedKeysAndQuotedStrings() {
        XCTAssertEqual(
            YAMLText.document(Self.nested),
            #"""
            apiVersion: "batch/v1"
            containers:
              - args:
                  - "population"
                  - "--shard"
                  - "$(JOB_COMPLETION_INDEX)/4"
                command:
                  - "loupe"
                env:
                  - name: "A"
                    value: "1"
                  - name: "B"
                    valueFrom:
                      fieldRef:
                        fieldPath: "x"
                name: "loupe"
                resources:
                  limits:
                    cpu: 2
                    memory: "4Gi"
            empty:
              array: []
              object: {}
            flags:
              - true
              - false
              - null
            keys:
              "": 7
              "1abc": 5
              "N": 2
              "NULL": 4
              "On": 3
              _under: 9
              "a:b": 8
              dash-ed.dot/slash: 10
              "with space": 6
              "y": 1
              "ключ": 11
            kind: "Job"
            matrix:
              - - 1
                - 2
              - []
              - - - 3
              - - a: 1
                  b:
                    - 2
                    - 3
            metadata:
              labels:
                app.kubernetes.io/name: "loupe"
              name: "loupe-population"
            numbers:
              - 4
              - -3
              - 0
              - 0.5
              - -2.25
              - 1.0e-07
              - 1.5e+20
              - 9007199254740992
              - 10000000000000000
              - 9.223372036854776e+18
              - 123456789012
            strings:
              - ""
              - "yes"
              - "no"
              - "on"
              - "null"
              - "~"
              - "123"
              - "1e3"
              - "0x1F"
              - "- dash"
              - "a: b"
              - "# not a comment"
              - "quote \" and \\ backslash"
              - "line\nbreak\ttab\r"
              - "\u0001\b\f\u001F\u007F\u0085"
              - "é ü 日本 🙂"
              - "\u2028\u2029\uFEFF"
              - "  leading and trailing  "
              - "$(JOB_COMPLETION_INDEX)"
              - "'single'"
              - "{braces}"
            """# + "\n")
    }

    func testAScalarOrEmptyDocumentIsOneLine() {
        XCTAssertEqual(YAMLText.document("batch/v1"), "\"batch/v1\"\n")
        XCTAssertEqual(YAMLText.document(nil), "null\n")
        XCTAssertEqual(YAMLText.document(.object([:])), "{}\n")
        XCTAssertEqual(YAMLText.document(.array([])), "[]\n")
        XCTAssertEqual(
            YAMLText.document([.number(.infinity), .number(-.infinity), .number(.nan)]), "- .inf\n- -.inf\n- .nan\n")
    }

    func testDocumentsAreSeparatedByDashLines() {
        XCTAssertEqual(
            YAMLText.documents([["kind": "Job", "spec": ["completions": 4]], "x", [:], [1]]),
            "kind: \"Job\"\nspec:\n  completions: 4\n---\n\"x\"\n---\n{}\n---\n- 1\n")
        XCTAssertEqual(YAMLText.documents([]), "")
    }
}
