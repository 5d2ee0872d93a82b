/// A record of tensor operations for reverse-mode differentiation.
///
/// Create a tape per forward pass, wrap inputs and parameters as leaves with `variable(_:)`,
/// compose operations on the returned `Variable`s, then call `gradients(of:)`. Gradients are
/// available for every leaf that requires them, parameters and inputs alike.
///
/// Each operation's backward rule is written by hand. `backwardOverrides` substitutes a rule
/// for every operation of a kind: guided backpropagation, for example, replaces the ReLU rule.
public final class Tape {
    /// Maps an operation's output gradient to one gradient per input (`nil`: no gradient).
    public typealias BackwardRule = (_ outputGradient: Tensor) -> [Tensor?]
    /// A substitute backward rule, given the inputs' values and the output's value.
    public typealias CustomBackwardRule = (
        _ inputs: [Tensor], _ output: Tensor, _ outputGradient: Tensor
    ) -> [Tensor?]

    struct Node {
        var value: Tensor
        let kind: OperationKind
        let inputs: [Int]
        let requiresGradient: Bool
        let backward: BackwardRule?
    }

    var nodes: [Node] = []

    /// Backward rules to use instead of the built-in ones, by operation kind. Set them before
    /// the forward pass: a network fuses ReLU into a following max pooling only when the tape
    /// has no ReLU override.
    public var backwardOverrides: [OperationKind: CustomBackwardRule] = [:]

    public init() {}

    /// Records a leaf: a tensor whose gradient can be asked for.
    public func variable(_ value: Tensor, requiresGradient: Bool = true) -> Variable {
        nodes.append(Node(value: value, kind: .leaf, inputs: [], requiresGradient: requiresGradient, backward: nil))
        return Variable(tape: self, id: nodes.count - 1)
    }

    /// Records a leaf that never receives a gradient.
    public func constant(_ value: Tensor) -> Variable {
        variable(value, requiresGradient: false)
    }

    func value(_ id: Int) -> Tensor { nodes[id].value }

    /// Records an operation's result. The backward rule is kept only if an input needs it.
    func record(
        _ value: Tensor, kind: OperationKind, inputs: [Variable], backward: @escaping BackwardRule
    ) -> Variable {
        let ids = inputs.map { input -> Int in
            precondition(input.tape === self, "variables from different tapes")
            return input.id
        }
        let needed = ids.contains { nodes[$0].requiresGradient }
        nodes.append(
            Node(value: value, kind: kind, inputs: ids, requiresGradient: needed, backward: needed ? backward : nil))
        return Variable(tape: self, id: nodes.count - 1)
    }

    /// Back-propagates from `output`: the gradient of `sum(output * seed)` with respect to
    /// every recorded variable. `seed` defaults to ones, the gradient of a scalar loss.
    public func gradients(of output: Variable, seed: Tensor? = nil) -> Gradients {
        let seed = seed ?? Tensor(repeating: 1, shape: output.value.shape)
        precondition(seed.shape == output.value.shape, "seed shape \(seed.shape) != output shape \(output.value.shape)")
        var grads = [Tensor?](repeating: nil, count: output.id + 1)
        grads[output.id] = seed
        for id in stride(from: output.id, through: 0, by: -1) {
            let node = nodes[id]
            guard node.requiresGradient, node.kind != .leaf, let gradient = grads[id] else { continue }
            precondition(
                (node.kind != .reluMaxPool2d && node.kind != .conv2dReLUMaxPool2d) || backwardOverrides[.relu] == nil,
                "a ReLU backward override was set after a forward pass that fused ReLU into max pooling")
            let inputGradients: [Tensor?]
            if let override = backwardOverrides[node.kind] {
                inputGradients = override(node.inputs.map { nodes[$0].value }, node.value, gradient)
            } else {
                inputGradients = node.backward!(gradient)
            }
            for (input, inputGradient) in zip(node.inputs, inputGradients) {
                guard let inputGradient, nodes[input].requiresGradient else { continue }
                precondition(
                    inputGradient.shape == nodes[input].value.shape,
                    "\(node.kind) backward gave shape \(inputGradient.shape) for input \(nodes[input].value.shape)")
                if let existing = grads[input] {
                    grads[input] = existing.adding(inputGradient)
                } else {
                    grads[input] = inputGradient
                }
            }
            grads[id] = nil  // intermediate gradients are not kept
        }
        return Gradients(values: grads)
    }
}

/// The gradients computed by `Tape.gradients(of:seed:)`, looked up by variable.
public struct Gradients {
    let values: [Tensor?]

    /// The gradient of a leaf variable, or `nil` if it does not influence the output or does
    /// not require a gradient.
    public subscript(_ variable: Variable) -> Tensor? {
        variable.id < values.count ? values[variable.id] : nil
    }
}
