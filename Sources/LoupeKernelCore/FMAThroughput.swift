/// A loop of independent multiply-add chains with no memory traffic: its rate is the
/// arithmetic peak that the GEMM is measured against.
@inlinable
public func multiplyAddChains<Arithmetic: MultiplyAdd>(_: Arithmetic.Type, iterations: Int) -> Float {
    let x = SIMD16<Float>(repeating: 0.999_999)
    let y = SIMD16<Float>(repeating: 1e-7)
    var a0 = SIMD16<Float>(repeating: 1)
    var a1 = a0
    var a2 = a0
    var a3 = a0
    var a4 = a0
    var a5 = a0
    for _ in 0..<iterations {
        a0 = Arithmetic.multiplyAdd(y, a0, x)
        a1 = Arithmetic.multiplyAdd(y, a1, x)
        a2 = Arithmetic.multiplyAdd(y, a2, x)
        a3 = Arithmetic.multiplyAdd(y, a3, x)
        a4 = Arithmetic.multiplyAdd(y, a4, x)
        a5 = Arithmetic.multiplyAdd(y, a5, x)
    }
    return (a0 + a1 + a2 + a3 + a4 + a5).sum()
}

/// Floating-point operations per iteration of `multiplyAddChains`: 6 chains x 16 lanes x 2.
public let multiplyAddChainFLOPs = 6 * 16 * 2
