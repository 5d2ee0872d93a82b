import LoupeData

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

    /// A caption line with the path and class name of the example at `position`, if it has them.
    func namingCaption(at position: Int) -> [String] {
        guard let paths else { return [] }
        return ["\(className(of: labels[position])): \(paths[position])"]
    }
}
