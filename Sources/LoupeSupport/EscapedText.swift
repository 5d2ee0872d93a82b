/// Text from a file or a user made safe to print inside a one-line message.
///
/// Control characters (C0, DEL, C1), line and paragraph separators and the bidirectional
/// formatting characters (``isBidirectionalControl(_:)``) could move the cursor, recolour the
/// terminal, split one error into several lines or reorder what the reader sees; they are
/// shown as escapes instead: `\n`, `\r`, `\t`, `\x1b`, `\u{202E}`. Everything else,
/// including a backslash, is kept as it is.
package enum EscapedText {
    /// `text` with every unprintable scalar escaped.
    package static func escaping(_ text: some StringProtocol) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A: result += "\\n"
            case 0x0D: result += "\\r"
            case 0x09: result += "\\t"
            case 0x00..<0x20, 0x7F:
                result += "\\x" + hex(scalar.value, digits: 2)
            case _ where isBidirectionalControl(scalar):
                result += codePointEscape(scalar)
            case 0x80..<0xA0, 0x2028, 0x2029, 0xFEFF:
                result += codePointEscape(scalar)
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// A cell or value from a file, escaped and in single quotes, shortened to `limit`
    /// characters (with `...`) so a huge cell cannot flood the message: `'ab\x1bc'`.
    package static func quoted(_ text: some StringProtocol, limit: Int = 40) -> String {
        let shortened = text.count > limit ? text.prefix(limit) + "..." : Substring(text)
        return "'" + escaping(shortened) + "'"
    }

    /// Whether `scalar` is a bidirectional formatting character, which can make text appear
    /// in another order than it is stored ("Trojan Source"): the embeddings and overrides
    /// U+202A-U+202E, the isolates U+2066-U+2069 and the marks U+200E, U+200F and U+061C.
    package static func isBidirectionalControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: true
        default: false
        }
    }

    /// `scalar` as the visible text `\u{202e}` (lowercase hexadecimal, as Swift writes it).
    package static func codePointEscape(_ scalar: Unicode.Scalar) -> String {
        "\\u{" + hex(scalar.value, digits: 1) + "}"
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(digits - text.count, 0)) + text
    }
}

extension StringProtocol {
    /// The text with every unprintable scalar escaped (`EscapedText.escaping`).
    ///
    /// A `LoupeError`'s `description` applies it to whatever it quotes from an input, so a CSV
    /// cell holding a carriage return or an escape sequence prints as visible text on one line.
    package var escapedForOneLine: String { EscapedText.escaping(self) }
}
