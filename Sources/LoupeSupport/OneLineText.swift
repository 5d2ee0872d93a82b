/// Text from a file or a user, made safe to quote in a one-line error message.
extension String {
    /// The text with every character that could break or disguise a one-line message escaped:
    /// line breaks and tabs as `\n`, `\r`, `\t`; other control characters, the Unicode line and
    /// paragraph separators and the bidirectional overrides as `\u{XX}`. Other text is kept.
    ///
    /// A `LoupeError`'s `description` applies it to whatever it quotes from an input, so a CSV
    /// cell holding a carriage return or an escape sequence prints as visible text on one line
    /// instead of moving the terminal's cursor.
    public var escapedForOneLine: String {
        var result = ""
        result.reserveCapacity(utf8.count)
        for scalar in unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if Self.mustEscape(scalar) {
                    result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }

    private static func mustEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F..<0xA0: true  // C0 and C1 controls, DEL
        case 0x2028, 0x2029: true  // line and paragraph separators
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F: true  // bidirectional controls
        default: false
        }
    }
}
