import LoupeNN
import LoupeSupport
import LoupeTensor

/// Binary masks over a model's weight tensors: 1 keeps a weight, 0 removes it.
public struct PruningMasks: Equatable, Sendable {
    /// Mask per parameter name; parameters without a mask are dense.
    public var masks: [String: Tensor]

    public init(masks: [String: Tensor] = [:]) { self.masks = masks }

    /// Multiplies every masked parameter by its mask.
    public func apply(to model: inout Model) {
        for (name, mask) in masks { model.parameters[name]!.multiply(by: mask) }
    }

    /// Zeroes the gradients of removed weights (`gradients` in `model.parameterNames` order).
    public func apply(toGradients gradients: inout [Tensor], of model: Model) {
        for (index, name) in model.parameterNames.enumerated() {
            if let mask = masks[name] { gradients[index].multiply(by: mask) }
        }
    }
}

extension Model {
    /// Zeros per weight tensor (role `.weight`), in layer order: the achieved sparsity.
    public var weightSparsityPerTensor: [(name: String, weights: Int, zeros: Int)] {
        let roles = parameterRoles
        return parameterNames.filter { roles[$0] == .weight }.map { name in
            let tensor = parameters[name]!
            return (name, tensor.count, tensor.scalars.reduce(0) { $0 + ($1 == 0 ? 1 : 0) })
        }
    }

    /// Fraction of all weights (role `.weight`) that are zero.
    public var weightSparsity: Double {
        let rows = weightSparsityPerTensor
        return Double(rows.reduce(0) { $0 + $1.zeros }) / Double(max(1, rows.reduce(0) { $0 + $1.weights }))
    }
}

extension Tensor {
    /// Multiplies element by element with a tensor of the same shape, in place.
    public mutating func multiply(by other: Tensor) {
        precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
        scalars.withUnsafeMutableBufferPointer { out in
            other.scalars.withUnsafeBufferPointer { factor in
                for i in out.indices { out[i] *= factor[i] }
            }
        }
    }
}
