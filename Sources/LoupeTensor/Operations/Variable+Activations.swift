import Foundation

extension Variable {
    /// max(x, 0); the gradient at exactly 0 is taken as 0.
    public func relu() -> Variable {
        let input = value
        let out = input.map { max($0, 0) }
        return tape.record(out, kind: .relu, inputs: [self]) { g in
            [g.zipWith(input) { $1 > 0 ? $0 : 0 }]
        }
    }

    /// 1 / (1 + exp(-x)).
    public func sigmoid() -> Variable {
        let out = value.map { 1 / (1 + expf(-$0)) }
        return tape.record(out, kind: .sigmoid, inputs: [self]) { g in
            [g.zipWith(out) { $0 * $1 * (1 - $1) }]
        }
    }

    /// Hyperbolic tangent.
    public func tanh() -> Variable {
        let out = value.map { tanhf($0) }
        return tape.record(out, kind: .tanh, inputs: [self]) { g in
            [g.zipWith(out) { $0 * (1 - $1 * $1) }]
        }
    }
}
