/// Names for imported layers: PyTorch's module path when the weights carry one
/// (`layer1.0.conv1.weight` names the layer `layer1.0.conv1`, so checkpoint tensors keep
/// PyTorch's state-dict names), else Loupe's numbering (`conv1`, `fc2`, `bn3`), never twice.
struct LayerNaming {
    private var taken = Set<String>()
    private var counters: [String: Int] = [:]

    /// A unique name for the layer whose first parameter is the tensor `tensorName`.
    mutating func name(forParameter tensorName: String, suffix: String = ".weight", prefix: String) -> String {
        if tensorName.hasSuffix(suffix) {
            let stem = String(tensorName.dropLast(suffix.count))
            if Self.isModulePath(stem), taken.insert(stem).inserted { return stem }
        }
        while true {
            counters[prefix, default: 0] += 1
            let candidate = "\(prefix)\(counters[prefix]!)"
            if taken.insert(candidate).inserted { return candidate }
        }
    }

    /// Letters, digits, `_` and `.` between parts (`layer1.0.conv1`), as PyTorch module paths are.
    static func isModulePath(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return !parts.isEmpty
            && parts.allSatisfy { part in
                !part.isEmpty
                    && part.unicodeScalars.allSatisfy {
                        $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0))
                    }
            }
    }
}
