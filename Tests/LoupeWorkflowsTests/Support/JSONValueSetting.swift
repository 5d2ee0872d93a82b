import LoupeSupport

/// One step of a path into a `JSONValue`: an object member or an array element.
enum JSONPathStep: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case member(String)
    case element(Int)

    init(stringLiteral value: String) { self = .member(value) }
    init(integerLiteral value: Int) { self = .element(value) }
}

extension JSONValue {
    /// This value with `value` at `path` (an existing array element, or an object member
    /// added or replaced), or with that member removed when `value` is nil.
    func setting(_ path: [JSONPathStep], to value: JSONValue?) -> JSONValue {
        guard let step = path.first else { return value ?? .null }
        switch (self, step) {
        case (.object(var members), .member(let name)):
            if path.count == 1 && value == nil {
                members[name] = nil
            } else {
                members[name] = (members[name] ?? .object([:])).setting(Array(path.dropFirst()), to: value)
            }
            return .object(members)
        case (.array(var elements), .element(let index)):
            elements[index] = elements[index].setting(Array(path.dropFirst()), to: value)
            return .array(elements)
        default:
            preconditionFailure("path \(path) does not fit \(self)")
        }
    }
}
