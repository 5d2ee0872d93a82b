/// Element-wise arithmetic with NumPy broadcasting: a row vector `[C]` against `[B, C]`, a
/// channel vector `[C, 1, 1]` against `[B, C, H, W]`, a scalar against anything.
extension Variable {
    static func broadcasting(
        _ lhs: Variable, _ rhs: Variable, kind: OperationKind,
        _ forward: (Float, Float) -> Float,
        backward: @escaping (_ gradient: Tensor, _ a: Tensor, _ b: Tensor) -> (Tensor, Tensor)
    ) -> Variable {
        let (aShape, bShape) = (lhs.shape, rhs.shape)
        guard let shape = Tensor.broadcastShape(aShape, bShape) else {
            preconditionFailure("shapes \(aShape) and \(bShape) do not broadcast for \(kind)")
        }
        let a = lhs.value.expanded(to: shape)
        let b = rhs.value.expanded(to: shape)
        let out = a.zipWith(b, forward)
        return lhs.tape.record(out, kind: kind, inputs: [lhs, rhs]) { gradient in
            let (ga, gb) = backward(gradient, a, b)
            return [ga.summed(toShape: aShape), gb.summed(toShape: bShape)]
        }
    }

    public static func + (lhs: Variable, rhs: Variable) -> Variable {
        broadcasting(lhs, rhs, kind: .add, +) { g, _, _ in (g, g) }
    }

    public static func - (lhs: Variable, rhs: Variable) -> Variable {
        broadcasting(lhs, rhs, kind: .subtract, -) { g, _, _ in (g, g.scaled(by: -1)) }
    }

    public static func * (lhs: Variable, rhs: Variable) -> Variable {
        broadcasting(lhs, rhs, kind: .multiply, *) { g, a, b in (g.zipWith(b, *), g.zipWith(a, *)) }
    }

    public static func / (lhs: Variable, rhs: Variable) -> Variable {
        broadcasting(lhs, rhs, kind: .divide, /) { g, a, b in
            (g.zipWith(b, /), g.zipWith(a) { $0 * $1 }.zipWith(b) { -$0 / ($1 * $1) })
        }
    }
}
