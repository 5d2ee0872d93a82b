import LoupeNN
import LoupeSupport
import LoupeTensor

/// The edge-detector control: the Sobel gradient magnitude `sqrt(gx^2 + gy^2)` of each channel
/// of the input, independent of the model and the target.
///
/// `gx` is the cross-correlation with `[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]` and `gy` with its
/// transpose. Borders replicate the nearest pixel, so a constant image has no edges anywhere
/// and the map of `x + c` equals the map of `x` up to rounding.
public struct SobelEdges: AttributionMethod {
    public init() {}

    public var name: String { "sobel" }

    public func attributions(_ images: Tensor, targets: [Int], model: Model, seeds: [UInt64]) throws(InputError)
        -> Tensor
    {
        try AttributionRequest.validate(method: name, images: images, targets: targets, model: model, seeds: nil)
        return Self.edgeMagnitudes(images)
    }

    /// Sobel magnitudes of every channel of `images` (`[N, C, H, W]`).
    public static func edgeMagnitudes(_ images: Tensor) -> Tensor {
        precondition(images.rank == 4, "Sobel edges need [N, C, H, W] images, got \(images.shape)")
        let (height, width) = (images.shape[2], images.shape[3])
        let planes = images.shape[0] * images.shape[1]
        let x = images.scalars
        var result = [Float](repeating: 0, count: x.count)
        for plane in 0..<planes {
            let offset = plane * height * width
            func pixel(_ row: Int, _ column: Int) -> Float {
                x[offset + min(max(row, 0), height - 1) * width + min(max(column, 0), width - 1)]
            }
            for row in 0..<height {
                for column in 0..<width {
                    let gx =
                        (pixel(row - 1, column + 1) + 2 * pixel(row, column + 1) + pixel(row + 1, column + 1))
                        - (pixel(row - 1, column - 1) + 2 * pixel(row, column - 1) + pixel(row + 1, column - 1))
                    let gy =
                        (pixel(row + 1, column - 1) + 2 * pixel(row + 1, column) + pixel(row + 1, column + 1))
                        - (pixel(row - 1, column - 1) + 2 * pixel(row - 1, column) + pixel(row - 1, column + 1))
                    result[offset + row * width + column] = (gx * gx + gy * gy).squareRoot()
                }
            }
        }
        return Tensor(shape: images.shape, scalars: result)
    }
}
