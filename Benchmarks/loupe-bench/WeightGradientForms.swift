import LoupeKernels

/// `--weight-gradient-forms`: one image's weight gradient of each of resnet-mini's 3 x 3
/// convolutions (and the reference cnn's conv2) as the product `g * patchesᵀ` and as
/// `dWᵀ = patches * gᵀ` and summed directly, the forms taking turns, best of 20 rounds on one
/// thread, in cache: the measurement behind `ConvolutionGeometry.sumsWeightGradientDirectly`
/// and `transposesWeightGradient`. The two products give the same bits; the direct sums
/// round differently.
func runWeightGradientForms() {
    let layers: [(String, ConvolutionGeometry, Int)] = [
        (
            "stem 3x3 3-16 @32",
            .init(channels: 3, height: 32, width: 32, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1), 16
        ),
        (
            "cnn conv1 3x3 1-32 @28",
            .init(channels: 1, height: 28, width: 28, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1), 32
        ),
        (
            "stage1 3x3 16-16 @32",
            .init(channels: 16, height: 32, width: 32, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1), 16
        ),
        (
            "stage2 3x3/2 16-32 @32",
            .init(channels: 16, height: 32, width: 32, kernelHeight: 3, kernelWidth: 3, stride: 2, padding: 1), 32
        ),
        (
            "stage2 3x3 32-32 @16",
            .init(channels: 32, height: 16, width: 16, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1), 32
        ),
        (
            "stage3 3x3/2 32-64 @16",
            .init(channels: 32, height: 16, width: 16, kernelHeight: 3, kernelWidth: 3, stride: 2, padding: 1), 64
        ),
        (
            "stage3 3x3 64-64 @8",
            .init(channels: 64, height: 8, width: 8, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1), 64
        ),
        (
            "cnn conv2 3x3 32-64 @14",
            .init(channels: 32, height: 14, width: 14, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1), 64
        ),
    ]
    for (name, geometry, outputs) in layers {
        let (taps, positions) = (geometry.patchSize, geometry.paddedPositions)
        let offsets = geometry.paddedRowOffsets()
        let image = (0..<geometry.paddedImageCount).map { Float($0 % 13) * 0.1 }
        let gradient = (0..<(outputs * positions)).map { Float($0 % 7) * 0.01 }
        var weights = [Float](repeating: 0, count: outputs * taps)
        var product = [Float](repeating: 0, count: outputs * taps)
        let products: [(String, () -> Void)] = [
            (
                "product",
                {
                    GEMM.multiply(
                        transposeB: true, m: outputs, n: taps, k: positions, a: gradient, lda: positions, b: image,
                        ldb: 0, beta: 1, c: &weights, ldc: taps, bRowOffsets: offsets)
                }
            ),
            (
                "transposed",
                {
                    weights.withUnsafeMutableBufferPointer {
                        geometry.accumulateTransposedWeightGradient(
                            outputs: outputs, gradient: gradient, padded: image, offsets: offsets,
                            into: $0.baseAddress!, product: &product, path: .active)
                    }
                }
            ),
        ]
        let direct: (String, () -> Void) = (
            "direct",
            {
                weights.withUnsafeMutableBufferPointer {
                    geometry.accumulateDirectWeightGradient(
                        outputs: outputs, gradient: gradient, padded: image, offsets: offsets, into: $0.baseAddress!)
                }
            }
        )
        let forms = products + [direct]
        let chosen =
            geometry.sumsWeightGradientDirectly(outputs: outputs)
            ? "direct" : geometry.transposesWeightGradient(outputs: outputs) ? "transposed" : "product"
        var best = [Double](repeating: .infinity, count: forms.count)
        for _ in 0..<20 {
            for (index, form) in forms.enumerated() {
                best[index] = min(best[index], seconds { for _ in 0..<20 { form.1() } } / 20)
            }
        }
        for (index, form) in forms.enumerated() {
            emit([
                "metric": "weight-gradient-form", "layer": name, "form": form.0,
                "chosen": form.0 == chosen,
                "gflops": 2 * Double(outputs * taps * positions) / best[index] / 1e9,
                "microseconds": best[index] * 1e6, "path": KernelPath.active.rawValue,
            ])
        }
    }
}
