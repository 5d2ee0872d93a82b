import LoupeKernels

/// `--vector-math`: nanoseconds per value of exp, log, tanh and the sigmoid over 16,384 values
/// in [-8, 8) (log: (0, 16)), in cache, on every kernel path this CPU has; best of 200 passes.
func runVectorMath(emit: ([String: Any]) -> Void) {
    let count = 1 << 14
    var state: UInt64 = 11
    let values = (0..<count).map { _ -> Float in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(state >> 40) / Float(1 << 24) * 16 - 8
    }
    let positive = values.map { $0 + 8.000_001 }
    var output = [Float](repeating: 0, count: count)
    for path in KernelPath.allCases where path <= KernelPath.supported {
        for function in VectorFunction.allCases {
            let input = function == .log ? positive : values
            var best = Double.infinity
            input.withUnsafeBufferPointer { source in
                output.withUnsafeMutableBufferPointer { target in
                    for _ in 0..<200 {
                        best = min(
                            best,
                            seconds {
                                VectorFunctions.apply(
                                    function, source.baseAddress!, target.baseAddress!, count: count, path: path)
                            })
                    }
                }
            }
            emit([
                "metric": "vector-math", "function": "\(function)", "path": path.rawValue,
                "nanoseconds_per_value": best / Double(count) * 1e9,
            ])
        }
    }
}
