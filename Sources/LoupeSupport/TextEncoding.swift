/// How Loupe's text readers (CSV files) treat the encoding marks some editors put at the
/// start of a file.
///
/// A UTF-8 byte-order mark (`EF BB BF`, written by Excel and Notepad) is dropped, so the
/// first cell of the first row is read as its text and not as text with three invisible
/// bytes in front. UTF-16 and UTF-32 text (recognised by their byte-order marks) is
/// refused with an error that says so, rather than read as garbage.
package enum TextEncoding {
    /// The UTF-8 byte-order mark.
    package static let utf8ByteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// `bytes` without a leading UTF-8 byte-order mark.
    ///
    /// - Throws: `InputError` naming `file` when the bytes start with a UTF-16 or UTF-32
    ///   byte-order mark.
    package static func utf8Body(of bytes: [UInt8], file: String) throws(InputError) -> ArraySlice<UInt8> {
        if bytes.starts(with: utf8ByteOrderMark) { return bytes.dropFirst(utf8ByteOrderMark.count) }
        let marks: [(bytes: [UInt8], name: String)] = [
            ([0xFF, 0xFE, 0x00, 0x00], "UTF-32"), ([0x00, 0x00, 0xFE, 0xFF], "UTF-32"),
            ([0xFF, 0xFE], "UTF-16"), ([0xFE, 0xFF], "UTF-16"),
        ]
        if let mark = marks.first(where: { bytes.starts(with: $0.bytes) }) {
            throw InputError(source: file, problem: "text is \(mark.name) (byte-order mark); save it as UTF-8")
        }
        return bytes[...]
    }
}
