import LoupeData
import LoupeReport

/// The columns and captions that name an example by its file and class, for data whose
/// examples are files (an ImageFolder); data without paths gets none, so its outputs keep
/// the layout they always had.
extension Dataset {
    /// `["path", "class_name"]` when the examples have paths, else nothing.
    var namingColumns: [String] { paths == nil ? [] : ["path", "class_name"] }

    /// The example at `position`'s path and its class's name, matching ``namingColumns``.
    func namingCells(at position: Int) -> [String] {
        guard let paths else { return [] }
        return [paths[position], className(of: labels[position])]
    }

    /// A caption line for a page (``HTMLReport``) with the class name and path of the example
    /// at `position`, if it has them, each marked to be isolated (``HTMLReport/isolated(_:)``).
    func namingCaption(at position: Int) -> [String] {
        guard let paths else { return [] }
        return ["\(HTMLReport.isolated(className(of: labels[position]))): \(HTMLReport.isolated(paths[position]))"]
    }
}
