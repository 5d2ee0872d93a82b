import LoupeTensor

/// An error restoring an optimizer from named state tensors.
public enum OptimizerStateError: Error, Equatable, CustomStringConvertible {
    /// A tensor's name is not of the form `state.<position>.<field>` with a field this
    /// optimizer keeps.
    case unexpectedTensor(name: String)
    /// A tensor the optimizer needs alongside others for the same parameter is absent.
    case missingTensor(name: String)
    /// A step counter is not a whole number from 1 to 2^24, the range a `Float` holds exactly.
    case invalidStepCount(name: String)
    /// Two tensors describing the same parameter have different shapes.
    case shapeMismatch(name: String, shape: [Int], expected: [Int])

    public var description: String {
        switch self {
        case .unexpectedTensor(let name):
            "unexpected optimizer state tensor '\(name)'"
        case .missingTensor(let name):
            "missing optimizer state tensor '\(name)'"
        case .invalidStepCount(let name):
            "optimizer state tensor '\(name)' is not a step count from 1 to 16777216"
        case .shapeMismatch(let name, let shape, let expected):
            "optimizer state tensor '\(name)' has shape \(shape), expected \(expected)"
        }
    }
}

/// Naming and validation shared by the optimizers' checkpoint state.
enum OptimizerState {
    /// The largest step count a `Float` represents exactly.
    static let maximumStepCount = 1 << 24

    /// The checkpoint name of one field of one parameter's state.
    static func name(position: Int, field: String) -> String {
        "state.\(position).\(field)"
    }

    /// Groups `state.<position>.<field>` tensors by position, rejecting any other name.
    static func group(
        _ tensors: [String: Tensor], fields: Set<String>
    ) throws(OptimizerStateError) -> [Int: [String: Tensor]] {
        var grouped: [Int: [String: Tensor]] = [:]
        for (name, tensor) in tensors {
            let parts = name.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "state", let position = Int(parts[1]),
                position >= 0, String(position) == parts[1], fields.contains(String(parts[2]))
            else { throw .unexpectedTensor(name: name) }
            grouped[position, default: [:]][String(parts[2])] = tensor
        }
        return grouped
    }

    /// The tensor stored under `field`, or a `missingTensor` error naming it.
    static func require(
        _ field: String, in fields: [String: Tensor], position: Int
    ) throws(OptimizerStateError) -> Tensor {
        guard let tensor = fields[field] else {
            throw .missingTensor(name: name(position: position, field: field))
        }
        return tensor
    }

    /// A step counter as a one-element tensor.
    static func encodeStepCount(_ count: Int) -> Tensor {
        precondition(
            count <= maximumStepCount, "step count \(count) exceeds what a Float holds exactly")
        return Tensor(Float(count))
    }

    /// The step counter in a one-element tensor.
    static func decodeStepCount(_ tensor: Tensor, name: String) throws(OptimizerStateError) -> Int {
        guard tensor.count == 1, let count = Int(exactly: tensor.scalars[0]),
            (1...maximumStepCount).contains(count)
        else { throw .invalidStepCount(name: name) }
        return count
    }
}
