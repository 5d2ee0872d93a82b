/// A text cell of a CSV table Loupe writes, guarded so that a spreadsheet shows it as text
/// instead of running it as a formula (OWASP's "CSV injection").
///
/// A class folder or file named `=HYPERLINK(...)` or `@SUM(...)` became a live formula when an
/// auditor opened `cie.csv` in Excel or LibreOffice. A text cell (a path, a class or variant
/// name, a note) that begins with `=`, `+`, `-`, `@`, a tab or a carriage return, or with the
/// full-width `＝`, `＋`, `－` or `＠` (U+FF1D, U+FF0B, U+FF0D, U+FF20, which a spreadsheet may
/// also take for the start of a formula), is written with a single quote before it:
/// `'=HYPERLINK(...)`. So that the mapping can be undone, a text cell that itself begins with
/// `'` gets one too (`'quoted` is written `''quoted`).
///
/// Numbers are not text cells: `-0.25` or `-inf` is written as it is (a spreadsheet reads it
/// as a number, not a formula). Loupe's readers of its own tables undo the guard in the
/// columns that hold text (``unguarded(_:)``), so a class named `=x` or `'quoted` reads back
/// exactly. The guard is only for CSV: JSON and HTML outputs hold the text unchanged.
package enum CSVTextCell {
    /// The first characters that make a spreadsheet read a cell as a formula: the ASCII ones
    /// and the full-width forms of `=`, `+`, `-` and `@`.
    package static let formulaStarts: Set<Unicode.Scalar> = [
        "=", "+", "-", "@", "\t", "\r", "\u{FF1D}", "\u{FF0B}", "\u{FF0D}", "\u{FF20}",
    ]

    /// The guard put before a text cell that could be read as a formula.
    package static let guardMark: Unicode.Scalar = "'"

    /// `text` as it is written in a text cell: with a leading `'` when it begins with a
    /// formula character or with `'` itself, else unchanged (an empty cell stays empty).
    package static func guarded(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, first == guardMark || formulaStarts.contains(first) else {
            return text
        }
        return "'" + text
    }

    /// The text a cell written by ``guarded(_:)`` holds: its leading `'`, if any, removed.
    package static func unguarded(_ cell: String) -> String {
        var text = cell
        if text.unicodeScalars.first == guardMark { text.unicodeScalars.removeFirst() }
        return text
    }
}
