import CLoupeIntegerKernels
import CLoupePlatform

/// The instruction-set path of the exact int8 products (`Int8GEMM`), chosen by the same
/// run-time dispatch as the float kernels: `KernelPath.avx512` runs AVX-512 VNNI (`vpdpbusd`)
/// when the CPU has it and AVX2 otherwise, `avx2` runs AVX2 (`vpmaddwd`), and `generic`
/// (also what `LOUPE_KERNELS=generic` forces) the portable C loop. Every path computes the
/// same Int32 sums, bit for bit.
package enum IntegerKernelPath: String, CaseIterable, Sendable, Comparable {
    case generic
    case avx2
    case avx512VNNI = "avx512-vnni"

    /// The integer path of float path `path` on a CPU that has (`hasVNNI`) or lacks AVX-512 VNNI.
    package init(_ path: KernelPath, hasVNNI: Bool = IntegerKernelPath.cpuHasVNNI) {
        switch path {
        case .generic: self = .generic
        case .avx2: self = .avx2
        case .avx512: self = hasVNNI ? .avx512VNNI : .avx2
        }
    }

    /// Whether the running CPU and OS support AVX-512 F, BW and VNNI.
    package static let cpuHasVNNI = loupe_cpu_has_avx512_vnni() != 0

    /// The path in use: that of `KernelPath.active` (so `LOUPE_KERNELS` lowers it too).
    package static let active = IntegerKernelPath(.active)

    /// The paths this CPU can run.
    package static var runnable: [IntegerKernelPath] {
        allCases.filter { $0 <= IntegerKernelPath(.supported) }
    }

    var code: Int32 {
        switch self {
        case .generic: Int32(LOUPE_INT8_GENERIC)
        case .avx2: Int32(LOUPE_INT8_AVX2)
        case .avx512VNNI: Int32(LOUPE_INT8_AVX512_VNNI)
        }
    }

    package static func < (lhs: IntegerKernelPath, rhs: IntegerKernelPath) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
