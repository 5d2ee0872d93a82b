import LoupeKernels

/// `--winograd`: the forward pass of each stride-1 3 x 3 convolution shape of resnet-mini and
/// of the full-width ResNet-18 (CIFAR layout), lowered (`LoweredConvolution`, weights packed
/// once) and by Winograd's F(4 x 4, 3 x 3) and F(2 x 2, 3 x 3) (`WinogradConvolution`, weights
/// transformed once), 64 images, one thread, the three taking turns, best of 10 rounds: the
/// measurement behind `WinogradConvolution.isFaster`. Also the largest difference between each
/// Winograd output and the lowered one, relative to the largest output.
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
        var (winograd, winograd2x2) = (lowered, lowered)
        let convolution = LoweredConvolution(geometry: geometry, outChannels: channels)
        let fast = WinogradConvolution(geometry: geometry, outChannels: channels)
        let packed = w.withUnsafeBufferPointer {
            PackedOperand(
                side: .left, rows: channels, columns: geometry.patchSize, source: $0.baseAddress!,
                rowStride: geometry.patchSize, isTransposed: false, path: .active)
        }
        let transformed = WinogradWeights(weights: w, outChannels: channels, channels: channels)
        let transformed2x2 = WinogradWeights(weights: w, outChannels: channels, channels: channels, tileEdge: 2)
        var best = (lowered: Double.infinity, winograd: Double.infinity, winograd2x2: Double.infinity)
        for _ in 0..<10 {
            best.lowered = min(
                best.lowered,
                seconds {
                    convolution.forward(x, batch: batch, weights: w, packedWeights: packed, bias: bias, into: &lowered)
                })
            best.winograd = min(
                best.winograd,
                seconds { fast.forward(x, batch: batch, weights: transformed, bias: bias, into: &winograd) })
            best.winograd2x2 = min(
                best.winograd2x2,
                seconds { fast.forward(x, batch: batch, weights: transformed2x2, bias: bias, into: &winograd2x2) })
        }
        let largest = lowered.map(abs).max() ?? 1
        func difference(_ output: [Float]) -> Double {
            Double((zip(lowered, output).map { abs($0 - $1) }.max() ?? 0) / largest)
        }
        let multiplyAdds = Double(batch * channels * channels * 9 * size * size)
        emit([
            "metric": "winograd", "layer": "3x3 \(channels)-\(channels) @\(size)", "batch_size": batch,
            "lowered_ms": best.lowered * 1e3, "winograd_ms": best.winograd * 1e3,
            "winograd_2x2_ms": best.winograd2x2 * 1e3, "speedup": best.lowered / best.winograd,
            "lowered_gflops": 2 * multiplyAdds / best.lowered / 1e9,
            "chosen": WinogradConvolution.isFaster(for: geometry, outChannels: channels) ? "winograd" : "lowered",
            "largest_relative_difference": difference(winograd),
            "largest_relative_difference_2x2": difference(winograd2x2), "path": KernelPath.active.rawValue,
        ])
    }
}
