/// The architectures Loupe knows by name.
extension Architecture {
    /// Names accepted by `builtin(_:inputShape:classes:)`.
    public static let builtinNames = ["mlp", "cnn", "resnet-mini"]

    /// A built-in architecture sized for the data: `mlp` (flatten, hidden layers with ReLU,
    /// classifier; widths default to 256 and 128), `cnn` (two 3x3 convolutions with 32 and 64
    /// channels, each followed by ReLU and 2x2 max pooling, then 128 hidden units and the
    /// classifier: the reference PyTorch model), and `resnet-mini` (a 3-stage residual CNN
    /// with batch norm, 16-32-64 channels, global average pooling).
    public static func builtin(
        _ name: String, inputShape: [Int], classes: Int, hiddenWidths: [Int]? = nil
    ) -> Architecture? {
        switch name {
        case "mlp":
            let widths = hiddenWidths ?? [256, 128]
            let hidden = widths.flatMap {
                [LayerDescription.linear(name: nil, outputFeatures: $0, bias: true), .activation(.relu)]
            }
            return Architecture(
                name: "mlp", inputShape: inputShape,
                layers: [.flatten] + hidden + [.linear(name: nil, outputFeatures: classes, bias: true)])
        case "cnn":
            return Architecture(
                name: "cnn", inputShape: inputShape,
                layers: [
                    .conv2d(name: nil, outputChannels: 32, kernelSize: 3, stride: 1, padding: 1, bias: true),
                    .activation(.relu), .maxPool2d(kernelSize: 2, stride: 2),
                    .conv2d(name: nil, outputChannels: 64, kernelSize: 3, stride: 1, padding: 1, bias: true),
                    .activation(.relu), .maxPool2d(kernelSize: 2, stride: 2),
                    .flatten,
                    .linear(name: nil, outputFeatures: hiddenWidths?.first ?? 128, bias: true), .activation(.relu),
                    .linear(name: nil, outputFeatures: classes, bias: true),
                ])
        case "resnet-mini":
            func conv(_ out: Int, kernel: Int = 3, stride: Int = 1) -> LayerDescription {
                .conv2d(
                    name: nil, outputChannels: out, kernelSize: kernel, stride: stride, padding: kernel / 2, bias: false
                )
            }
            func stage(_ out: Int, stride: Int) -> LayerDescription {
                .residual(
                    body: [
                        conv(out, stride: stride), .batchNorm(name: nil), .activation(.relu), conv(out),
                        .batchNorm(name: nil),
                    ],
                    shortcut: stride == 1 ? nil : [conv(out, kernel: 1, stride: stride), .batchNorm(name: nil)])
            }
            return Architecture(
                name: "resnet-mini", inputShape: inputShape,
                layers: [
                    conv(16), .batchNorm(name: nil), .activation(.relu),
                    stage(16, stride: 1), stage(32, stride: 2), stage(64, stride: 2),
                    .globalAvgPool, .linear(name: nil, outputFeatures: classes, bias: true),
                ])
        default:
            return nil
        }
    }
}
