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
        var backward: BackwardRule?
        /// Storage the backward rule reads besides tensors (pooling windows), recycled with
        /// the values.
        var kept: [Float] = []
    }

    var nodes: [Node] = []

    /// Backward rules to use instead of the built-in ones, by operation kind. Set them before
    /// the forward pass: see `fusesReLU`.
    public var backwardOverrides: [OperationKind: CustomBackwardRule] = [:]

    /// Whether a forward pass may fuse ReLU with the operations around it: not when ReLU's
    /// backward rule is overridden, since a fused operation has no ReLU for the override to
    /// replace. Networks ask this before fusing.
    package var fusesReLU: Bool { backwardOverrides[.relu] == nil }

    public init() { nodes.reserveCapacity(64) }

    /// Returns the storage of the recorded values that nothing else refers to (intermediate
    /// results, and inputs the caller no longer holds) to `TensorStoragePool.shared`.
    deinit {
        // The backward rules' references go first, then the values leave the nodes in place.
        for index in nodes.indices where nodes[index].backward != nil { nodes[index].backward = nil }
        for index in nodes.indices {
            TensorStoragePool.shared.recycle(&nodes[index].value)
            TensorStoragePool.shared.recycle(&nodes[index].kept)
        }
    }

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

    /// Records an operation's result. The backward rule is kept only if an input needs it;
    /// `kept` is storage the rule reads, returned to `TensorStoragePool.shared` with the values.
    func record(
        _ value: Tensor, kind: OperationKind, inputs: [Variable], keeping kept: [Float] = [],
        backward: @escaping BackwardRule
    ) -> Variable {
        let ids = inputs.map { input -> Int in
            precondition(input.tape === self, "variables from different tapes")
            return input.id
        }
        let needed = ids.contains { nodes[$0].requiresGradient }
        nodes.append(
            Node(
                value: value, kind: kind, inputs: ids, requiresGradient: needed, backward: needed ? backward : nil,
                kept: kept))
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
            // Taken out of `grads`: intermediate gradients are not kept, and their storage
            // goes back to the pool once the rule is done with it.
            guard node.requiresGradient, node.kind != .leaf, var gradient = grads[id].take() else { continue }
            precondition(
                fusesReLU
                    || ![
                        .reluMaxPool2d, .conv2dReLUMaxPool2d, .linearReLU, .batchNormReLU, .addReLU, .batchNormAddReLU,
                    ].contains(
                        node.kind),
                "a ReLU backward override was set after a forward pass that fused ReLU into another operation")
            var inputGradients: [Tensor?]
            if let override = backwardOverrides[node.kind] {
                inputGradients = override(node.inputs.map { nodes[$0].value }, node.value, gradient)
            } else {
                inputGradients = node.backward!(gradient)
            }
            TensorStoragePool.shared.recycle(&gradient)
            for (slot, input) in node.inputs.enumerated() where slot < inputGradients.count {
                guard var inputGradient = inputGradients[slot].take(), nodes[input].requiresGradient else { continue }
                precondition(
                    inputGradient.shape == nodes[input].value.shape,
                    "\(node.kind) backward gave shape \(inputGradient.shape) for input \(nodes[input].value.shape)")
                if grads[input] != nil {
                    grads[input]!.add(inputGradient)
                    TensorStoragePool.shared.recycle(&inputGradient)
                } else {
                    grads[input] = inputGradient
                }
            }
        }
        return Gradients(values: grads)
    }
}

/// The gradients computed by `Tape.gradients(of:seed:)`, looked up by variable.
///
/// Gradients that no one took a copy of return their storage to `TensorStoragePool.shared`
/// when this object goes away.
public final class Gradients {
    var values: [Tensor?]

    init(values: [Tensor?]) { self.values = values }

    deinit {
        for index in values.indices where values[index] != nil {
            TensorStoragePool.shared.recycle(&values[index]!)
        }
    }

    /// The gradient of a leaf variable, or `nil` if it does not influence the output or does
    /// not require a gradient.
    public subscript(_ variable: Variable) -> Tensor? {
        variable.id < values.count ? values[variable.id] : nil
    }
}
