import Foundation
import LoupeKernels

/// GFLOP/s of each convolution of `resnet-mini` on CIFAR-10 shapes, one thread, `batch`
/// images (a two-thread step of 128 gives each thread 64): forward, weight gradient and input
/// gradient, through `LoweredConvolution` (what `conv2d` runs) and through im2col/col2im
/// with one product per image (what it ran before), best of `rounds`. `widths` and `blocks`
/// describe another CIFAR ResNet (64...512 and 2 for ResNet-18), `passNames` picks passes,
/// `cpuTime` times the thread's CPU time instead of wall time.
func runResNetConvolutions(
    batch: Int, rounds: Int, widths: [Int] = [16, 32, 64], blocks: Int = 1, passNames: Set<String>? = nil,
    cpuTime: Bool = false, emit: ([String: Any]) -> Void
) {
    // Seconds of wall time, or of this thread's CPU time (steadier on a shared machine).
    func now() -> Double {
        guard cpuTime else { return Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
    func geometry(_ c: Int, _ size: Int, kernel: Int, stride: Int) -> ConvolutionGeometry {
        ConvolutionGeometry(
            channels: c, height: size, width: size, kernelHeight: kernel, kernelWidth: kernel, stride: stride,
            padding: kernel / 2)
    }
    // A CIFAR ResNet: a 3x3 stem, then per stage `blocks` basic blocks (two 3x3 convolutions;
    // the first of a later stage has stride 2 and a 1x1 stride-2 shortcut).
    var layers: [(String, ConvolutionGeometry, Int, Int)] = [
        ("stem 3x3 3-\(widths[0]) @32", geometry(3, 32, kernel: 3, stride: 1), widths[0], 1)
    ]
    var size = 32
    for (stage, width) in widths.enumerated() {
        if stage == 0 {
            layers.append(
                (
                    "stage1 3x3 \(width)-\(width) @\(size)", geometry(width, size, kernel: 3, stride: 1), width,
                    2 * blocks
                ))
            continue
        }
        let (previous, label) = (widths[stage - 1], "stage\(stage + 1)")
        layers.append(
            ("\(label) 3x3/2 \(previous)-\(width) @\(size)", geometry(previous, size, kernel: 3, stride: 2), width, 1))
        size /= 2
        layers.append(
            (
                "\(label) 3x3 \(width)-\(width) @\(size)", geometry(width, size, kernel: 3, stride: 1), width,
                2 * blocks - 1
            ))
        layers.append(
            (
                "\(label) 1x1/2 \(previous)-\(width) @\(size * 2)", geometry(previous, size * 2, kernel: 1, stride: 2),
                width, 1
            ))
    }
    var totals: [String: Double] = [:]
    for (name, geometry, outChannels, count) in layers {
        let convolution = LoweredConvolution(geometry: geometry, outChannels: outChannels)
        let (patch, spatial) = (geometry.patchSize, geometry.outputHeight * geometry.outputWidth)
        let imageSize = geometry.channels * geometry.height * geometry.width
        let x = (0..<(batch * imageSize)).map { Float($0 % 13) * 0.1 - 0.6 }
        let w = (0..<(outChannels * patch)).map { Float($0 % 7) * 0.1 - 0.3 }
        let g = (0..<(batch * outChannels * spatial)).map { Float($0 % 5) * 0.1 - 0.2 }
        var y = [Float](repeating: 0, count: batch * outChannels * spatial)
        var dw = [Float](repeating: 0, count: outChannels * patch)
        var dx = [Float](repeating: 0, count: batch * imageSize)
        var columns = [Float](repeating: 0, count: patch * spatial)
        let packed = w.withUnsafeBufferPointer {
            PackedOperand(
                side: .left, rows: outChannels, columns: patch, source: $0.baseAddress!, rowStride: patch,
                isTransposed: false)
        }
        let packedTransposed = w.withUnsafeBufferPointer {
            PackedOperand(
                side: .left, rows: patch, columns: outChannels, source: $0.baseAddress!, rowStride: patch,
                isTransposed: true)
        }
        let passes: [(String, String, () -> Void)] = [
            (
                "forward", "lowered",
                {
                    convolution.forward(
                        x, batch: batch, weights: w, packedWeights: packed, bias: nil, into: &y)
                }
            ),
            (
                "weight-gradient", "lowered",
                { convolution.accumulateWeightGradient(g, input: x, batch: batch, into: &dw) }
            ),
            (
                "input-gradient", "lowered",
                {
                    convolution.inputGradient(
                        g, batch: batch, weights: w, packedTransposedWeights: packedTransposed, into: &dx)
                }
            ),
            (
                "forward", "im2col",
                {
                    for n in 0..<batch {
                        x.withUnsafeBufferPointer { geometry.im2col($0.baseAddress! + n * imageSize, into: &columns) }
                        y.withUnsafeMutableBufferPointer {
                            GEMM.multiply(
                                m: outChannels, n: spatial, k: patch, a: w, lda: patch, b: columns, ldb: spatial,
                                c: $0.baseAddress! + n * outChannels * spatial, ldc: spatial, packedA: packed)
                        }
                    }
                }
            ),
            (
                "weight-gradient", "im2col",
                {
                    for n in 0..<batch {
                        x.withUnsafeBufferPointer { geometry.im2col($0.baseAddress! + n * imageSize, into: &columns) }
                        g.withUnsafeBufferPointer {
                            GEMM.multiply(
                                transposeB: true, m: outChannels, n: patch, k: spatial,
                                a: $0.baseAddress! + n * outChannels * spatial, lda: spatial, b: columns, ldb: spatial,
                                beta: 1, c: &dw, ldc: patch)
                        }
                    }
                }
            ),
            (
                "input-gradient", "im2col",
                {
                    for n in 0..<batch {
                        g.withUnsafeBufferPointer {
                            GEMM.multiply(
                                transposeA: true, m: patch, n: spatial, k: outChannels, a: w, lda: patch,
                                b: $0.baseAddress! + n * outChannels * spatial, ldb: spatial, c: &columns,
                                ldc: spatial, packedA: packedTransposed)
                        }
                        dx.withUnsafeMutableBufferPointer {
                            geometry.col2im(columns, addingInto: $0.baseAddress! + n * imageSize)
                        }
                    }
                }
            ),
        ]
        let flops = 2 * Double(batch * outChannels * spatial * patch)
        for (pass, lowering, run) in passes where passNames?.contains(pass) ?? true {
            var best = Double.infinity
            for _ in 0..<rounds {
                let start = now()
                run()
                best = min(best, now() - start)
            }
            totals[lowering, default: 0] += best * Double(count)
            emit([
                "metric": "resnet-convolution", "layer": name, "pass": pass, "lowering": lowering,
                "gflops": flops / best / 1e9, "milliseconds": best * 1e3, "batch": batch,
                "path": KernelPath.active.rawValue,
            ])
        }
    }
    // Every convolution of one training step on `batch` images (the first layer's input
    // gradient included, which training skips).
    for (lowering, total) in totals.sorted(by: { $0.key < $1.key }) {
        emit([
            "metric": "resnet-convolutions-step", "lowering": lowering, "milliseconds": total * 1e3,
            "images_per_second": Double(batch) / total, "batch": batch,
        ])
    }
}
