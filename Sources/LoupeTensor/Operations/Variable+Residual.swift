import LoupeKernels

extension Variable {
    /// `(self + other).relu()` for two tensors of one shape (a residual block's sum), as one
    /// operation with the same values and gradients: the sum is rectified as it is written, and
    /// both inputs get the output gradient where the output is positive, 0 elsewhere.
    package func rectifiedSum(_ other: Variable) -> Variable {
        let (a, b) = (value, other.value)
        precondition(a.shape == b.shape, "rectifiedSum: shapes \(a.shape) and \(b.shape) differ")
        let out = Tensor(shape: a.shape) { out in
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    ResidualSum.apply(
                        ap.baseAddress!, bp.baseAddress!, into: out.baseAddress!, count: out.count, rectify: true)
                }
            }
        }
        return tape.record(out, kind: .addReLU, inputs: [self, other]) { g in
            let dx = Self.rectifiedGradient(g, output: out)
            return [dx, dx]
        }
    }

    /// The gradient `g` of a rectified output where that output is positive, 0 elsewhere.
    static func rectifiedGradient(_ g: Tensor, output: Tensor) -> Tensor {
        Tensor(shape: g.shape) { dx in
            g.withUnsafeBufferPointer { gp in
                output.withUnsafeBufferPointer { y in
                    streamSIMD16(count: dx.count, gp.baseAddress!, y.baseAddress!, dx.baseAddress!) { g, y in
                        SIMD16<Float>().replacing(with: g, where: y .> 0)
                    }
                }
            }
        }
    }
}
