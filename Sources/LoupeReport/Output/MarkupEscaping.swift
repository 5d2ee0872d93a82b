/// `text` made safe for HTML and XML element content and quoted attribute values.
///
/// `&`, `<`, `>`, `"` and `'` become character references; control characters other than
/// tab, line feed and carriage return, which XML 1.0 forbids even as references, become
/// U+FFFD, as do the noncharacters U+FFFE and U+FFFF.
func escapedMarkup(_ text: String) -> String {
    var escaped = ""
    escaped.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": escaped += "&amp;"
        case "<": escaped += "&lt;"
        case ">": escaped += "&gt;"
        case "\"": escaped += "&quot;"
        case "'": escaped += "&#39;"
        case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
        case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
            escaped += "\u{FFFD}"
        default: escaped.unicodeScalars.append(scalar)
        }
    }
    return escaped
}
