import LoupeKernels

/// `--transposes`: the channels-first to channels-last transposes (and back) around each
/// Winograd pass of `resnet-mini` (`WinogradConvolution`), image by image over 64 images, one
/// thread, best of 20 rounds, in bytes read and written per second.
func runTransposeSpeed() {
    let batch = 64
    for (channels, size) in [(16, 32), (32, 16), (64, 8)] {
        let pixels = size * size
        let count = batch * channels * pixels
        let source = (0..<count).map { Float($0 % 1000) }
        var destination = [Float](repeating: 0, count: count)
        for (name, rows, columns) in [("to channels-last", channels, pixels), ("to channels-first", pixels, channels)] {
            var best = Double.infinity
            for _ in 0..<20 {
                best = min(
                    best,
                    seconds {
                        source.withUnsafeBufferPointer { s in
                            destination.withUnsafeMutableBufferPointer { d in
                                for image in 0..<batch {
                                    let offset = image * channels * pixels
                                    transpose(
                                        s.baseAddress! + offset, rows: rows, columns: columns, sourceStride: columns,
                                        into: d.baseAddress! + offset, destinationStride: rows, path: .active)
                                }
                            }
                        }
                    })
            }
            var correct = true
            for image in [0, batch - 1] {
                let offset = image * channels * pixels
                for r in 0..<rows {
                    for c in 0..<columns where destination[offset + c * rows + r] != source[offset + r * columns + c] {
                        correct = false
                    }
                }
            }
            emit([
                "metric": "transpose", "layer": "\(channels) channels @\(size)", "direction": name,
                "microseconds_per_image": best / Double(batch) * 1e6,
                "gigabytes_per_second": Double(2 * count * 4) / best / 1e9, "correct": correct,
                "path": KernelPath.active.rawValue,
            ])
        }
    }
}
