import CLoupePlatform
import Foundation

/// The instruction-set path the numeric kernels run on.
///
/// Chosen once at start-up from the running CPU; the environment variable `LOUPE_KERNELS`
/// (`generic`, `avx2`, `avx512`) forces a lower path, so a binary built on one machine can be shown to
/// run correctly as it would on a CPU without the newer instructions. Asking for a path the
/// CPU lacks falls back to the best one it has.
public enum KernelPath: String, CaseIterable, Sendable, Comparable {
    /// Portable SIMD code with separate multiply and add; runs on any CPU.
    case generic
    /// x86-64 AVX2 with fused multiply-add.
    case avx2
    /// x86-64 AVX-512F (with AVX2 and FMA): 32 registers of 16 floats.
    case avx512

    /// The best path the running CPU supports.
    public static let supported: KernelPath = {
        if loupe_cpu_has_avx2_fma() == 0 { return .generic }
        return loupe_cpu_has_avx512f() != 0 ? .avx512 : .avx2
    }()

    /// The path in use: `supported`, lowered by `LOUPE_KERNELS` if set.
    public static let active = resolved(requested: ProcessInfo.processInfo.environment["LOUPE_KERNELS"])

    /// The path a `LOUPE_KERNELS` value of `requested` selects on a CPU whose best path is
    /// `supported`: the requested path if the CPU has it, the best it has otherwise, and
    /// `supported` when nothing (or an unknown name) is requested.
    package static func resolved(requested: String?, supported: KernelPath = supported) -> KernelPath {
        guard let requested, let path = KernelPath(rawValue: requested.lowercased()) else { return supported }
        return min(path, supported)
    }

    public static func < (lhs: KernelPath, rhs: KernelPath) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
