/// A tensor recorded on a `Tape`: the handle that differentiable operations take and return.
public struct Variable {
    /// The tape that recorded this variable.
    public let tape: Tape
    let id: Int

    /// The variable's value.
    public var value: Tensor { tape.value(id) }
    /// The value's shape.
    public var shape: [Int] { tape.nodes[id].value.shape }
    /// Whether a gradient flows to this variable.
    public var requiresGradient: Bool { tape.nodes[id].requiresGradient }
}
