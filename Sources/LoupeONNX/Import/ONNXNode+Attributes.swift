extension ONNXNode {
    /// An integer attribute, or `value` when absent.
    func int(_ name: String, default value: Int, _ source: String) throws(ONNXError) -> Int {
        switch attributes[name] {
        case nil: return value
        case .int(let given): return given
        default: throw ONNXError(source, "\(label): attribute \(name) must be an integer")
        }
    }

    /// A float attribute, or `value` when absent.
    func float(_ name: String, default value: Float, _ source: String) throws(ONNXError) -> Float {
        switch attributes[name] {
        case nil: return value
        case .float(let given) where given.isFinite: return given
        default: throw ONNXError(source, "\(label): attribute \(name) must be a finite float")
        }
    }

    /// An integer-list attribute, or nil when absent.
    func ints(_ name: String, _ source: String) throws(ONNXError) -> [Int]? {
        switch attributes[name] {
        case nil: return nil
        case .ints(let given): return given
        default: throw ONNXError(source, "\(label): attribute \(name) must be a list of integers")
        }
    }

    /// A string attribute, or `value` when absent.
    func string(_ name: String, default value: String, _ source: String) throws(ONNXError) -> String {
        switch attributes[name] {
        case nil: return value
        case .string(let given): return given
        default: throw ONNXError(source, "\(label): attribute \(name) must be a string")
        }
    }
}
