import LoupeSupport

/// YAML text of JSON values, the same bytes for the same value: Kubernetes manifests and
/// other files people read and `kubectl apply`.
///
/// Block style with 2-space indentation; a sequence is indented under its key; an empty
/// object or array is written `{}` or `[]`. Object keys are sorted (``JSONValue`` keeps no
/// order), by Swift's `String` ordering (Unicode scalar order for ASCII keys).
///
/// Every string value is double-quoted with JSON's escapes (`\"`, `\\`, `\n`, `\t`, `\r`, `\b`,
/// `\f`, `\u00XX`), also used for DEL, C1 controls, U+2028, U+2029, U+FEFF, U+FFFE and U+FFFF,
/// so no value is read as a number, a boolean or null, and no character is folded or
/// rejected, under YAML 1.1 (PyYAML, go-yaml v2) or 1.2. A key is written plain when it is
/// made of ASCII letters, digits and `_ . / -`, starts with a letter or `_` and is none of
/// YAML 1.1's booleans or null (`y`, `no`, `on`, `null`, ...): `apiVersion`,
/// `app.kubernetes.io/name`; otherwise it is quoted like a value.
///
/// A whole number of magnitude below 2^63 is written as an integer (`4`, exactly the `Double`); any other number in
/// Swift's shortest round-trip form, with a `.` in the mantissa and a signed exponent
/// (`0.5`, `1.0e-07`, `1.5e+20`), which both YAML versions read as a float. Non-finite numbers,
/// which JSON cannot hold, are `.inf`, `-.inf` and `.nan`.
package enum YAMLText {
    /// One YAML document holding `value`, ending with a newline.
    package static func document(_ value: JSONValue) -> String {
        if let scalar = inline(value) { return scalar + "\n" }
        return block(value, indent: 0).joined(separator: "\n") + "\n"
    }

    /// Several documents in one stream, separated by `---` lines (empty for none).
    package static func documents(_ values: [JSONValue]) -> String {
        values.map(document).joined(separator: "---\n")
    }

    /// A scalar or an empty container on one line; nil for a non-empty object or array.
    private static func inline(_ value: JSONValue) -> String? {
        switch value {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .number(let number): self.number(number)
        case .string(let text): quoted(text)
        case .array(let elements): elements.isEmpty ? "[]" : nil
        case .object(let members): members.isEmpty ? "{}" : nil
        }
    }

    /// The lines of a non-empty object or array, each starting with `indent` spaces.
    private static func block(_ value: JSONValue, indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        var lines: [String] = []
        switch value {
        case .object(let members):
            for key in members.keys.sorted() {
                let member = members[key]!
                if let scalar = inline(member) {
                    lines.append("\(pad)\(self.key(key)): \(scalar)")
                } else {
                    lines.append("\(pad)\(self.key(key)):")
                    lines += block(member, indent: indent + 2)
                }
            }
        case .array(let elements):
            for element in elements {
                if let scalar = inline(element) {
                    lines.append("\(pad)- \(scalar)")
                } else {
                    // The element's first line carries the dash; the others stay 2 deeper.
                    var nested = block(element, indent: indent + 2)
                    nested[0] = pad + "- " + nested[0].dropFirst(indent + 2)
                    lines += nested
                }
            }
        default:
            preconditionFailure("block(_:indent:) is for non-empty objects and arrays")
        }
        return lines
    }

    /// YAML 1.1's words for booleans and null (lowercased), which a plain key must not be.
    private static let reservedWords: Set<String> = ["y", "n", "yes", "no", "true", "false", "on", "off", "null"]

    private static func key(_ text: String) -> String {
        let plain =
            text.unicodeScalars.first.map { $0 == "_" || isASCIILetter($0) } == true
            && text.unicodeScalars.allSatisfy {
                isASCIILetter($0) || ("0"..."9").contains($0) || "_./-".unicodeScalars.contains($0)
            }
            && !reservedWords.contains(text.lowercased())
        return plain ? text : quoted(text)
    }

    private static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    /// `text` double-quoted with JSON's escapes (see the type's documentation).
    private static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case "\u{00}"..."\u{1F}", "\u{7F}"..."\u{9F}", "\u{2028}", "\u{2029}", "\u{FEFF}", "\u{FFFE}", "\u{FFFF}":
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    private static func number(_ value: Double) -> String {
        if value.isNaN { return ".nan" }
        if value.isInfinite { return value < 0 ? "-.inf" : ".inf" }
        if value == value.rounded() && abs(value) < 0x1p63 { return String(Int64(value)) }
        // Swift's shortest form: "0.5", "1e-07", "1.5e+20", "5e-324".
        let text = value.description
        let parts = text.split(separator: "e", maxSplits: 1)
        var mantissa = String(parts[0])
        if !mantissa.contains(".") { mantissa += ".0" }
        guard parts.count == 2 else { return mantissa }
        let exponent = parts[1]
        return mantissa + "e" + (exponent.hasPrefix("-") || exponent.hasPrefix("+") ? "" : "+") + exponent
    }
}
