/// The secret every API request carries, as Jupyter's token: printed in the URL `loupe review`
/// shows, sent back as `Authorization: Bearer <token>` or the cookie the URL sets.
enum AccessToken {
    static let cookieName = "loupe_token"

    /// 32 hexadecimal digits from the system's secure random source.
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let value = generator.next() as UInt32
            let hex = String(value, radix: 16)
            return String(repeating: "0", count: 8 - hex.count) + hex
        }.joined()
    }

    /// Compares in time that depends only on the lengths, so the comparison leaks no prefix.
    static func matches(_ given: String, _ expected: String) -> Bool {
        let (a, b) = (Array(given.utf8), Array(expected.utf8))
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A token a user may choose: 16 to 256 characters, letters, digits, `-` and `_` (so it
    /// fits a URL and a cookie unchanged).
    static func isAcceptable(_ token: String) -> Bool {
        (16...256).contains(token.count)
            && token.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
                    || $0 == "_"
            }
    }
}
