import LoupeSupport
import LoupeTensor

/// An error restoring an optimizer from named state tensors.
public enum OptimizerStateError: LoupeError, Equatable {
    /// A tensor's name is not of the form `state.<position>.<field>` with a field this
    /// optimizer keeps.
    case unexpectedTensor(name: String)
    /// A tensor names a parameter position the model does not have.
    case positionOutOfRange(name: String, parameterCount: Int)
    /// A tensor the optimizer needs is absent: a field of a parameter, or every field of a
    /// parameter when other parameters have state.
    case missingTensor(name: String)
    /// A step counter is not a whole number from 1 to 2^24, the range a `Float` holds exactly.
    case invalidStepCount(name: String)
    /// A tensor does not have the shape of the parameter it belongs to.
    case shapeMismatch(name: String, shape: [Int], expected: [Int])
    /// A tensor holds NaN or infinity.
    case nonFinite(name: String)

    public var source: String { "" }

    public var problem: String {
        switch self {
        case .unexpectedTensor(let name):
            "unexpected optimizer state tensor '\(name)'"
        case .positionOutOfRange(let name, let count):
            "optimizer state tensor '\(name)' names a parameter position the model does not have (it has \(count) parameters)"
        case .nonFinite(let name):
            "optimizer state tensor '\(name)' contains NaN or infinity"
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

    /// The state tensors of each parameter position, by field, after checking every tensor
    /// against the parameters it belongs to: `[]` for an empty state (a fresh optimizer),
    /// else one entry per parameter, each with every field in `fields`.
    ///
    /// Rejects a name not of the form `state.<position>.<field>`, a position the model does
    /// not have (so a lying position never sizes anything), a missing field or position, a
    /// non-finite value, and a tensor outside `scalarFields` whose shape is not its
    /// parameter's shape. The scalar fields (step counters) are checked by their decoders.
    static func positions(
        _ tensors: [String: Tensor], fields: Set<String>, scalarFields: Set<String> = [],
        parameterShapes: [[Int]]
    ) throws(OptimizerStateError) -> [[String: Tensor]] {
        guard !tensors.isEmpty else { return [] }
        var grouped = [[String: Tensor]](repeating: [:], count: parameterShapes.count)
        for name in tensors.keys.sorted() {
            let tensor = tensors[name]!
            let parts = name.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "state", let position = Int(parts[1]),
                position >= 0, String(position) == parts[1], fields.contains(String(parts[2]))
            else { throw .unexpectedTensor(name: name) }
            guard position < parameterShapes.count else {
                throw .positionOutOfRange(name: name, parameterCount: parameterShapes.count)
            }
            let field = String(parts[2])
            if !scalarFields.contains(field), tensor.shape != parameterShapes[position] {
                throw .shapeMismatch(name: name, shape: tensor.shape, expected: parameterShapes[position])
            }
            guard tensor.scalars.allSatisfy(\.isFinite) else { throw .nonFinite(name: name) }
            grouped[position][field] = tensor
        }
        for position in grouped.indices {
            for field in fields.sorted() where grouped[position][field] == nil {
                throw .missingTensor(name: name(position: position, field: field))
            }
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
