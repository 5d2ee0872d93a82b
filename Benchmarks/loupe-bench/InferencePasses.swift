import LoupeNN
import LoupeTensor

/// `--inference-passes`: one thread's inference of a batch of synthetic images in passes of
/// each of `sizes` images (`Model.logits(_:imagesPerPass:)`), the sizes taking turns for
/// `rounds` rounds, best time each, next to the pass size the model picks
/// (`imagesPerInferencePass`): the measurement behind `Model.inferencePassBytes`. resnet-mini
/// on 3 x 32 x 32 images, the others on 1 x 28 x 28.
func runInferencePasses(
    models: [String], sizes: [Int], batchSize: Int, rounds: Int, emit: ([String: Any]) -> Void
) {
    for name in models {
        let shape = name == "resnet-mini" ? [3, 32, 32] : [1, 28, 28]
        let model = try! Model(architecture: .builtin(name, inputShape: shape, classes: 10)!, seed: 1)
        let count = batchSize * shape.reduce(1, *)
        let images = Tensor(shape: [batchSize] + shape, scalars: (0..<count).map { Float(($0 * 7919) % 255) / 255 })
        var best = [Double](repeating: .infinity, count: sizes.count)
        for _ in 0..<rounds {
            for (index, size) in sizes.enumerated() {
                best[index] = min(best[index], seconds { _ = model.logits(images, imagesPerPass: size) })
            }
        }
        for (index, size) in sizes.enumerated() {
            emit([
                "metric": "inference-passes", "model": name, "batch": batchSize, "threads": 1,
                "images_per_pass": size, "chosen": size == model.imagesPerInferencePass,
                "images_per_second": Double(batchSize) / best[index],
            ])
        }
    }
}
