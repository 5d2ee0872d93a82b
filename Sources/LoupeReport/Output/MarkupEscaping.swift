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
///
/// A name marked by ``HTMLReport/isolated(_:)`` is put in its own `<bdi>` element when
/// `isolatingNames` is true (HTML element content that may hold one: a heading, a paragraph,
/// a table cell, a caption), so that a right-to-left name, in Hebrew or Arabic, cannot reorder
/// the words and numbers beside it; elsewhere (an attribute value, the page's `<title>`, SVG
/// text) the marks are left out and the name is escaped as any text.
func escapedMarkup(_ text: String, isolatingNames: Bool = false) -> String {
    var escaped = ""
    escaped.reserveCapacity(text.utf8.count)
    var isolating = false
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": escaped += "&amp;"
        case "<": escaped += "&lt;"
        case ">": escaped += "&gt;"
        case "\"": escaped += "&quot;"
        case "'": escaped += "&#39;"
        case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
        case _ where EscapedText.isBidirectionalControl(scalar): escaped += EscapedText.codePointEscape(scalar)
        case NameMark.begin:
            // A mark inside a name, which only a name not passed through `isolated` can hold,
            // is left out, so the elements always pair up.
            if isolatingNames && !isolating { escaped += "<bdi>" }
            isolating = true
        case NameMark.end:
            if isolatingNames && isolating { escaped += "</bdi>" }
            isolating = false
        case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
            escaped += "\u{FFFD}"
        default: escaped.unicodeScalars.append(scalar)
        }
    }
    if isolatingNames && isolating { escaped += "</bdi>" }
    return escaped
}

/// The marks ``HTMLReport/isolated(_:)`` puts around a name: the noncharacters U+FDD0 and
/// U+FDD1, which Unicode sets aside for a program's internal use and which never stand for text
/// (Swift accepts them in a string, not in a literal).
enum NameMark {
    static let begin = Unicode.Scalar(UInt32(0xFDD0))!
    static let end = Unicode.Scalar(UInt32(0xFDD1))!
}

extension HTMLReport {
    /// `name`, a name or path a user chose (a class folder, a file, a variant, a data set),
    /// marked for a page: where the page puts the text it is part of in an element, the name
    /// is put in its own `<bdi>` element (``escapedMarkup(_:isolatingNames:)``).
    ///
    /// A name of unknown direction (Hebrew, Arabic) placed beside other text, such as class
    /// names joined with `, ` or a name followed by a number, could otherwise reorder its
    /// neighbours: `0 שלום, 1 قطة` would be drawn with the numbers and names swapped about.
    /// Mark only the name, not numbers or Loupe's own words:
    /// `"\(HTMLReport.isolated(variant)): per-class impact"`. The result is for pages
    /// (`HTMLReport`, ``SVGLineChart``, which leaves the marks out) only: a CSV or JSON output
    /// takes the name itself.
    public static func isolated(_ name: String) -> String {
        var marked = String(NameMark.begin)
        marked.unicodeScalars += name.unicodeScalars.map {
            $0 == NameMark.begin || $0 == NameMark.end ? "\u{FFFD}" : $0
        }
        marked.unicodeScalars.append(NameMark.end)
        return marked
    }
}
