import LoupeKernels

/// `--winograd`: the forward pass of each stride-1 3 x 3 convolution shape of resnet-mini and
/// of the full-width ResNet-18 (CIFAR layout), lowered (`LoweredConvolution`, weights packed
/// once) and by Winograd's F(2 x 2, 3 x 3) (`WinogradConvolution`, weights transformed once),
/// 64 images, one thread, the two taking turns, best of 10 rounds: the measurement behind
/// `WinogradConvolution.minimumChannels`. Also the largest difference between the two outputs,
/// relative to the largest output.
func runWinogradSpeed() {
    let layers: [(channels: Int, size: Int)] = [
        (16, 32), (32, 16), (64, 8), (64, 32), (128, 16), (256, 8), (512, 4),
    ]
    let batch = 64
    for (channels, size) in layers {
        let geometry = ConvolutionGeometry(
            channels: channels, height: size, width: size, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        let x = (0..<(batch * channels * size * size)).map { Float(($0 * 7919) % 1000) / 1000 - 0.5 }
        let w = (0..<(channels * channels * 9)).map { Float(($0 * 104_729) % 1000) / 1000 / Float(3 * channels) }
        let bias = [Float](repeating: 0.1, count: channels)
        var lowered = [Float](repeating: 0, count: batch * channels * size * size)
        var winograd = lowered
        let convolution = LoweredConvolution(geometry: geometry, outChannels: channels)
        let fast = WinogradConvolution(geometry: geometry, outChannels: channels)
        let packed = w.withUnsafeBufferPointer {
            PackedOperand(
                side: .left, rows: channels, columns: geometry.patchSize, source: $0.baseAddress!,
                rowStride: geometry.patchSize, isTransposed: false, path: .active)
        }
        let transformed = WinogradWeights(weights: w, outChannels: channels, channels: channels)
        var best = (lowered: Double.infinity, winograd: Double.infinity)
        for _ in 0..<10 {
            best.lowered = min(
                best.lowered,
                seconds {
                    convolution.forward(x, batch: batch, weights: w, packedWeights: packed, bias: bias, into: &lowered)
                })
            best.winograd = min(
                best.winograd,
                seconds { fast.forward(x, batch: batch, weights: transformed, bias: bias, into: &winograd) })
        }
        let largest = lowered.map(abs).max() ?? 1
        let difference = zip(lowered, winograd).map { abs($0 - $1) }.max() ?? 0
        let multiplyAdds = Double(batch * channels * channels * 9 * size * size)
        emit([
            "metric": "winograd", "layer": "3x3 \(channels)-\(channels) @\(size)", "batch_size": batch,
            "lowered_ms": best.lowered * 1e3, "winograd_ms": best.winograd * 1e3,
            "speedup": best.lowered / best.winograd,
            "lowered_gflops": 2 * multiplyAdds / best.lowered / 1e9,
            "chosen": WinogradConvolution.isFaster(for: geometry, outChannels: channels) ? "winograd" : "lowered",
            "largest_relative_difference": Double(difference / largest), "path": KernelPath.active.rawValue,
        ])
    }
}
