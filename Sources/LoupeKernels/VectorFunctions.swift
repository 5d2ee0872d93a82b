import CLoupeVectorMath

/// A function `VectorFunctions` applies to whole buffers.
package enum VectorFunction: CaseIterable, Sendable {
    case exp, log, tanh, sigmoid
}

/// exp, log, tanh and the logistic sigmoid over buffers, vectorised in C (`CLoupeVectorMath`)
/// for the kernel path in use: the same bits on every path.
///
/// They follow the Cephes single-precision routines: exp reduces `x = n ln 2 + r` with
/// `|r| <= ln 2 / 2` and evaluates a degree-6 polynomial, log splits off the exponent and
/// evaluates a degree-9 polynomial in the mantissa (both within 2 ulp of the correctly rounded
/// values over the float range, subnormal results and arguments, zeros, infinities and NaN
/// included); tanh is `x + x^3 P(x^2)` below 0.625 in magnitude, else `1 - 2 / (exp(2|x|) + 1)`
/// with the sign of `x` (within 3 ulp; 1 beyond 9); the sigmoid is `1 / (1 + exp(-x))`.
package enum VectorFunctions {
    /// `output[i] = function(input[i])` for `i < count`; `output` may be `input`.
    package static func apply(
        _ function: VectorFunction, _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int,
        path: KernelPath = .active
    ) {
        let code: Int32 =
            switch function {
            case .exp: Int32(LOUPE_VECTOR_EXP)
            case .log: Int32(LOUPE_VECTOR_LOG)
            case .tanh: Int32(LOUPE_VECTOR_TANH)
            case .sigmoid: Int32(LOUPE_VECTOR_SIGMOID)
            }
        let instructions: Int32 =
            switch path {
            case .avx512: Int32(LOUPE_VECTOR_AVX512)
            case .avx2: Int32(LOUPE_VECTOR_AVX2)
            case .generic: Int32(LOUPE_VECTOR_GENERIC)
            }
        loupe_vector_apply(instructions, code, input, output, count)
    }
}
