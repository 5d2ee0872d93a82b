import Foundation
import LoupeKernels

extension Variable {
    /// max(x, 0); the gradient at exactly 0 is taken as 0.
    public func relu() -> Variable {
        let input = value
        let out = Tensor(shape: input.shape) { out in
            input.withUnsafeBufferPointer { x in
                streamSIMD16(count: x.count, x.baseAddress!, nil, out.baseAddress!) { x, _ in
                    x.replacing(with: 0, where: x .< 0)
                }
            }
        }
        return tape.record(out, kind: .relu, inputs: [self]) { g in
            [
                Tensor(shape: g.shape) { dx in
                    g.withUnsafeBufferPointer { gp in
                        input.withUnsafeBufferPointer { x in
                            streamSIMD16(count: x.count, gp.baseAddress!, x.baseAddress!, dx.baseAddress!) { g, x in
                                SIMD16<Float>().replacing(with: g, where: x .> 0)
                            }
                        }
                    }
                }
            ]
        }
    }

    /// x for x > 0, `slope * x` otherwise (ONNX's LeakyRelu, PyTorch's `LeakyReLU`); the
    /// gradient at exactly 0 is taken as `slope`.
    public func leakyReLU(slope: Float) -> Variable {
        let input = value
        let out = Tensor(shape: input.shape) { out in
            input.withUnsafeBufferPointer { x in
                streamSIMD16(count: x.count, x.baseAddress!, nil, out.baseAddress!) { x, _ in
                    x.replacing(with: x * slope, where: x .<= 0)
                }
            }
        }
        return tape.record(out, kind: .leakyReLU, inputs: [self]) { g in
            [
                Tensor(shape: g.shape) { dx in
                    g.withUnsafeBufferPointer { gp in
                        input.withUnsafeBufferPointer { x in
                            streamSIMD16(count: x.count, gp.baseAddress!, x.baseAddress!, dx.baseAddress!) { g, x in
                                g.replacing(with: g * slope, where: x .<= 0)
                            }
                        }
                    }
                }
            ]
        }
    }

    /// 1 / (1 + exp(-x)).
    public func sigmoid() -> Variable {
        let out = value.mapped(.sigmoid)
        return tape.record(out, kind: .sigmoid, inputs: [self]) { g in
            [g.zipWith(out) { $0 * $1 * (1 - $1) }]
        }
    }

    /// Hyperbolic tangent.
    public func tanh() -> Variable {
        let out = value.mapped(.tanh)
        return tape.record(out, kind: .tanh, inputs: [self]) { g in
            [g.zipWith(out) { $0 * (1 - $1 * $1) }]
        }
    }
}

/// `output[i] = transform(first[i], second[i])` over `count` floats, sixteen at a time (the
/// tail is padded with zeros and stored partially). `second` may be nil (zeros are passed).
@inline(__always)
func streamSIMD16(
    count: Int, _ first: UnsafePointer<Float>, _ second: UnsafePointer<Float>?, _ output: UnsafeMutablePointer<Float>,
    _ transform: (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>
) {
    var i = 0
    while i + 16 <= count {
        let a = UnsafeRawPointer(first + i).loadUnaligned(as: SIMD16<Float>.self)
        let b = second.map { UnsafeRawPointer($0 + i).loadUnaligned(as: SIMD16<Float>.self) } ?? SIMD16()
        UnsafeMutableRawPointer(output + i).storeBytes(of: transform(a, b), as: SIMD16<Float>.self)
        i += 16
    }
    if i < count {
        var a = SIMD16<Float>()
        var b = SIMD16<Float>()
        for j in 0..<(count - i) {
            a[j] = first[i + j]
            b[j] = second?[i + j] ?? 0
        }
        let result = transform(a, b)
        for j in 0..<(count - i) { output[i + j] = result[j] }
    }
}

extension Tensor {
    /// `function` applied to every element (`VectorFunctions`).
    func mapped(_ function: VectorFunction) -> Tensor {
        let input = self
        return Tensor(shape: shape) { out in
            guard !out.isEmpty else { return }
            input.withUnsafeBufferPointer { x in
                VectorFunctions.apply(function, x.baseAddress!, out.baseAddress!, count: x.count)
            }
        }
    }
}
