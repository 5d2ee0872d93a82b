import LoupeSupport

/// `text` made safe for HTML and XML element content and quoted attribute values.
///
/// `&`, `<`, `>`, `"` and `'` become character references; control characters other than
/// tab, line feed and carriage return, which XML 1.0 forbids even as references, become
/// U+FFFD, as do the noncharacters U+FFFE and U+FFFF. A bidirectional formatting character
/// (an override such as U+202E, an isolate or a mark: ``LoupeSupport/EscapedText/isBidirectionalControl(_:)``)
/// is shown as the text `\u{202e}`, as log and error lines show it: kept, it could reorder what
/// an auditor reads around a class name or path ("Trojan Source"). CSV and JSON outputs keep
/// such names exactly.
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
        case _ where EscapedText.isBidirectionalControl(scalar): escaped += EscapedText.codePointEscape(scalar)
        case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
            escaped += "\u{FFFD}"
        default: escaped.unicodeScalars.append(scalar)
        }
    }
    return escaped
}
