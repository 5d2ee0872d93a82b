/// A loop of independent multiply-add chains with no memory traffic: its rate is the
/// arithmetic peak that the GEMM is measured against.
///
/// `chains` is 6 or 12: enough independent chains to cover the multiply-add latency on every
/// pipe without spilling registers (6 SIMD16 chains are 12 registers on AVX2, which has 16;
/// AVX-512 has 32 registers of 16 lanes and needs 12 chains to keep two pipes busy).
@inlinable
package func multiplyAddChains<Arithmetic: MultiplyAdd>(
    _: Arithmetic.Type, iterations: Int, chains: Int = 6
) -> Float {
    precondition(chains == 6 || chains == 12, "chains must be 6 or 12")
    let x = SIMD16<Float>(repeating: 0.999_999)
    let y = SIMD16<Float>(repeating: 1e-7)
    var a0 = SIMD16<Float>(repeating: 1)
    var a1 = a0
    var a2 = a0
    var a3 = a0
    var a4 = a0
    var a5 = a0
    if chains == 6 {
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
    var a6 = a0
    var a7 = a0
    var a8 = a0
    var a9 = a0
    var a10 = a0
    var a11 = a0
    for _ in 0..<iterations {
        a0 = Arithmetic.multiplyAdd(y, a0, x)
        a1 = Arithmetic.multiplyAdd(y, a1, x)
        a2 = Arithmetic.multiplyAdd(y, a2, x)
        a3 = Arithmetic.multiplyAdd(y, a3, x)
        a4 = Arithmetic.multiplyAdd(y, a4, x)
        a5 = Arithmetic.multiplyAdd(y, a5, x)
        a6 = Arithmetic.multiplyAdd(y, a6, x)
        a7 = Arithmetic.multiplyAdd(y, a7, x)
        a8 = Arithmetic.multiplyAdd(y, a8, x)
        a9 = Arithmetic.multiplyAdd(y, a9, x)
        a10 = Arithmetic.multiplyAdd(y, a10, x)
        a11 = Arithmetic.multiplyAdd(y, a11, x)
    }
    return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).sum()
}

/// Floating-point operations per iteration of `multiplyAddChains`: chains x 16 lanes x 2.
@inlinable
package func multiplyAddChainFLOPs(chains: Int) -> Int { chains * 16 * 2 }
