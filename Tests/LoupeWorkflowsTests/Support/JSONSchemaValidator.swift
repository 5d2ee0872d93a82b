import Foundation
import LoupeSupport

/// One place where a JSON value breaks its schema: where (`spec.completions`,
/// `spec.template.spec.containers[0].name`, empty for the whole document) and what is wrong.
struct JSONSchemaViolation: Hashable, CustomStringConvertible {
    var path: String
    var message: String

    var description: String { "\(path.isEmpty ? "(document)" : path): \(message)" }
}

/// A schema keyword this validator does not check: refused when the schema is loaded, so
/// that a new fixture cannot pass documents through a check nobody implemented.
struct UnsupportedSchemaKeyword: Error, CustomStringConvertible {
    var keyword: String
    var schemaPath: String

    var description: String { "\(schemaPath): JSON Schema keyword \"\(keyword)\" is not supported" }
}

/// A JSON Schema validator for tests, of the subset the Kubernetes schemas use
/// (`Fixtures/kubernetes-job-schema.json`, draft 2020-12): `type` (a name or a list;
/// "integer" is a number without a fraction, as in Python's `jsonschema`), `properties`,
/// `required`, `additionalProperties` (false or a schema), `items` (a schema), `enum`,
/// `$ref` (a local JSON pointer such as `#/$defs/X`, checked beside its siblings as in 2020-12),
/// `oneOf`, `anyOf`, `allOf`, the bounds of `format` "int32" and "int64", and Kubernetes'
/// `x-kubernetes-int-or-string`. Other formats and `description`, `$schema`, `$comment`,
/// `$defs`, `definitions`, `title`, `default` and other `x-` keys are annotations (`$id` is
/// refused: only local references are followed).
///
/// Any other keyword found anywhere in the schema is refused by `init` (see
/// ``UnsupportedSchemaKeyword``). Numbers are `JSONValue`'s `Double`s: an int64 beyond 2^53 is
/// checked after rounding to the nearest `Double`.
struct JSONSchemaValidator {
    let root: JSONValue

    static let checked: Set<String> = [
        "type", "properties", "required", "additionalProperties", "items", "enum", "$ref", "oneOf", "anyOf",
        "allOf", "format", "x-kubernetes-int-or-string",
    ]
    static let annotations: Set<String> = [
        "description", "$schema", "$comment", "$defs", "definitions", "title", "default",
    ]

    /// The schema, every keyword of it (and of every definition) checked as supported.
    init(schema: JSONValue) throws {
        root = schema
        try Self.checkKeywords(schema, at: "#")
    }

    /// The schema in a JSON file.
    init(contentsOf url: URL) throws {
        try self.init(schema: JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: url)))
    }

    /// Every violation of `instance` against the root schema (in each object, missing required
    /// fields first, then members in sorted order); empty if it is valid.
    func violations(of instance: JSONValue) -> [JSONSchemaViolation] {
        var found: [JSONSchemaViolation] = []
        validate(instance, against: root, at: "", into: &found)
        return found
    }

    // MARK: Checking

    private func validate(
        _ instance: JSONValue, against schema: JSONValue, at path: String, into found: inout [JSONSchemaViolation]
    ) {
        guard case .object(let keywords) = schema else {
            if case .bool(false) = schema { found.append(.init(path: path, message: "no value is allowed here")) }
            return
        }
        if case .string(let reference) = keywords["$ref"] {
            if let target = resolve(reference) {
                validate(instance, against: target, at: path, into: &found)
            } else {
                found.append(.init(path: path, message: "schema reference \(reference) does not resolve"))
            }
        }
        if keywords["type"] != nil {
            let names = Self.typeNames(schema) ?? []
            if !names.contains(where: { Self.has(instance, type: $0) }) {
                found.append(.init(path: path, message: "expected \(Self.list(names)), got \(Self.typeName(instance))"))
                return  // the other keywords would only repeat the mismatch
            }
        }
        if case .bool(true) = keywords["x-kubernetes-int-or-string"],
            !Self.has(instance, type: "integer") && !Self.has(instance, type: "string")
        {
            found.append(.init(path: path, message: "expected string or integer, got \(Self.typeName(instance))"))
            return
        }
        if case .array(let allowed) = keywords["enum"], !allowed.contains(instance) {
            found.append(
                .init(
                    path: path,
                    message:
                        "expected one of \(allowed.map(Self.brief).joined(separator: ", ")), got \(Self.brief(instance))"
                )
            )
        }
        if case .string(let format) = keywords["format"], case .number(let number) = instance,
            Self.has(instance, type: "integer")
        {
            // [-2^31, 2^31) and [-2^63, 2^63): bounds that are exact Doubles.
            let limit: Double? =
                switch format {
                case "int32": 0x1p31
                case "int64": 0x1p63
                default: nil
                }
            if let limit, number < -limit || number >= limit {
                found.append(.init(path: path, message: "\(Self.brief(instance)) is outside the range of \(format)"))
            }
        }
        if case .object(let members) = instance {
            validateMembers(members, against: keywords, at: path, into: &found)
        }
        if case .array(let elements) = instance, let items = keywords["items"] {
            for (index, element) in elements.enumerated() {
                validate(element, against: items, at: "\(path)[\(index)]", into: &found)
            }
        }
        validateCombinations(instance, against: keywords, at: path, into: &found)
    }

    private func validateMembers(
        _ members: [String: JSONValue], against keywords: [String: JSONValue], at path: String,
        into found: inout [JSONSchemaViolation]
    ) {
        var properties: [String: JSONValue] = [:]
        if case .object(let declared) = keywords["properties"] { properties = declared }
        if case .array(let required) = keywords["required"] {
            for case .string(let name) in required where members[name] == nil {
                found.append(.init(path: Self.member(name, of: path), message: "required field is missing"))
            }
        }
        for name in members.keys.sorted() {
            let value = members[name]!
            if let schema = properties[name] {
                validate(value, against: schema, at: Self.member(name, of: path), into: &found)
            } else if let additional = keywords["additionalProperties"] {
                if case .bool(false) = additional {
                    found.append(.init(path: Self.member(name, of: path), message: "unknown field"))
                } else {
                    validate(value, against: additional, at: Self.member(name, of: path), into: &found)
                }
            }
        }
    }

    private func validateCombinations(
        _ instance: JSONValue, against keywords: [String: JSONValue], at path: String,
        into found: inout [JSONSchemaViolation]
    ) {
        if case .array(let schemas) = keywords["allOf"] {
            for schema in schemas { validate(instance, against: schema, at: path, into: &found) }
        }
        for keyword in ["anyOf", "oneOf"] {
            guard case .array(let schemas) = keywords[keyword] else { continue }
            let outcomes = schemas.map { schema in
                var branch: [JSONSchemaViolation] = []
                validate(instance, against: schema, at: path, into: &branch)
                return branch
            }
            let matched = outcomes.filter(\.isEmpty).count
            if matched == 0 {
                found.append(.init(path: path, message: noneMatched(schemas, outcomes, at: path, got: instance)))
            } else if keyword == "oneOf" && matched > 1 {
                found.append(
                    .init(
                        path: path, message: "matches \(matched) of the \(schemas.count) oneOf schemas, not exactly one"
                    ))
            }
        }
    }

    /// The message when no alternative matches: the union of the expected types when every
    /// alternative failed only on its own `type` (Kubernetes' int-or-string and quantity), else a count.
    private func noneMatched(
        _ schemas: [JSONValue], _ outcomes: [[JSONSchemaViolation]], at path: String, got instance: JSONValue
    ) -> String {
        var expected: [String] = []
        for (schema, outcome) in zip(schemas, outcomes) {
            guard outcome.count == 1, outcome[0].path == path, let names = Self.typeNames(schema) else {
                return "matches none of the \(schemas.count) alternative schemas"
            }
            for name in names where !expected.contains(name) { expected.append(name) }
        }
        return "expected \(Self.list(expected)), got \(Self.typeName(instance))"
    }

    /// The schema a local reference (`#` followed by a JSON pointer) names.
    private func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#") else { return nil }
        var node = root
        for token in reference.dropFirst().split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch node {
            case .object(let members):
                guard let next = members[key] else { return nil }
                node = next
            case .array(let elements):
                guard let index = Int(key), elements.indices.contains(index) else { return nil }
                node = elements[index]
            default: return nil
            }
        }
        return node
    }

    // MARK: Schema keywords

    private static func checkKeywords(_ schema: JSONValue, at schemaPath: String) throws {
        guard case .object(let keywords) = schema else { return }
        for (keyword, value) in keywords.sorted(by: { $0.key < $1.key }) {
            let here = "\(schemaPath)/\(keyword)"
            switch keyword {
            case "properties", "$defs", "definitions":
                guard case .object(let schemas) = value else { continue }
                for (name, member) in schemas.sorted(by: { $0.key < $1.key }) {
                    try checkKeywords(member, at: "\(here)/\(name)")
                }
            case "items", "additionalProperties":
                if case .array = value {
                    throw UnsupportedSchemaKeyword(keyword: "\(keyword) (a list)", schemaPath: here)
                }
                try checkKeywords(value, at: here)
            case "oneOf", "anyOf", "allOf":
                guard case .array(let schemas) = value else { continue }
                for (index, member) in schemas.enumerated() { try checkKeywords(member, at: "\(here)/\(index)") }
            case _ where checked.contains(keyword) || annotations.contains(keyword) || keyword.hasPrefix("x-"):
                continue
            default:
                throw UnsupportedSchemaKeyword(keyword: keyword, schemaPath: schemaPath)
            }
        }
    }

    // MARK: Names

    private static func has(_ instance: JSONValue, type: String) -> Bool {
        switch (type, instance) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object),
            ("number", .number):
            true
        case ("integer", .number(let value)): value.isFinite && value == value.rounded()
        default: false
        }
    }

    /// The names of a schema's `type`, if it has one.
    private static func typeNames(_ schema: JSONValue) -> [String]? {
        guard case .object(let keywords) = schema else { return nil }
        switch keywords["type"] {
        case .string(let name): return [name]
        case .array(let items): return items.compactMap { if case .string(let name) = $0 { name } else { nil } }
        default: return nil
        }
    }

    private static func typeName(_ instance: JSONValue) -> String {
        switch instance {
        case .null: "null"
        case .bool: "boolean"
        case .number(let value): value.isFinite && value == value.rounded() ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// "a", "a or b", "a, b or c".
    private static func list(_ names: [String]) -> String {
        names.count <= 2
            ? names.joined(separator: " or ") : names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    /// A scalar as JSON text; a container by its type.
    private static func brief(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): "\(flag)"
        case .number(let number):
            number.isFinite && number == number.rounded() && abs(number) < 0x1p63 ? "\(Int64(number))" : "\(number)"
        case .string(let text):
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// `path.name`, or `path["name"]` when the name is not a plain identifier (a label such as
    /// `app.kubernetes.io/name`).
    private static func member(_ name: String, of path: String) -> String {
        let plain =
            name.first.map { $0.isASCII && $0.isLetter } == true
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        if plain { return path.isEmpty ? name : "\(path).\(name)" }
        return "\(path)[\(brief(.string(name)))]"
    }
}
