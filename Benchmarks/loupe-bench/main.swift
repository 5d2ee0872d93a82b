import Foundation
import LoupeKernels

/// Measures the machine's single-core FMA peak with a loop of independent fused multiply-adds.
func measureGEMM(size: Int, path: KernelPath) -> Double {
    let a = (0..<size * size).map { Float($0 % 7) * 0.1 }
    let b = (0..<size * size).map { Float($0 % 5) * 0.1 }
    var c = [Float](repeating: 0, count: size * size)
    let flops = 2.0 * Double(size * size * size)
    var best = Double.infinity
    let repeats = max(3, Int(2e9 / flops))
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        GEMM.multiply(m: size, n: size, k: size, a: a, lda: size, b: b, ldb: size, c: &c, ldc: size, path: path)
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return flops / best / 1e9
}

for path in KernelPath.allCases where path <= KernelPath.supported {
    for size in [256, 512, 1024] {
        print("gemm \(path) \(size)^3: \(String(format: "%.1f", measureGEMM(size: size, path: path))) GFLOP/s")
    }
}
