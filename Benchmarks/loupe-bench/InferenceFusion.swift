import Dispatch
import LoupeKernels
import LoupeNN
import LoupeTensor

/// `--inference-fusion`: resnet-mini (3 x 32 x 32, 10 classes, seeded weights, running
/// statistics set away from 0 and 1) on one batch of synthetic images, one thread, with each
/// convolution and the batch norm after it fused (`Model.logits`, nothing needs a gradient)
/// and unfused (the same forward pass with the input marked as needing a gradient, which turns
/// the fusion off). The two take turns for `rounds` rounds; best time each, and whether the
/// logits agree bit for bit.
func runInferenceFusion(batchSize: Int, rounds: Int, emit: ([String: Any]) -> Void) {
    let shape = [3, 32, 32]
    var model = try! Model(architecture: .builtin("resnet-mini", inputShape: shape, classes: 10)!, seed: 1)
    for name in model.buffers.keys.sorted() {
        let count = model.buffers[name]!.count
        model.buffers[name] = Tensor(
            shape: [count],
            scalars: (0..<count).map {
                name.hasSuffix("running_var") ? 0.5 + Float($0 % 5) * 0.3 : Float($0 % 7) * 0.05 - 0.15
            })
    }
    let images = Tensor(
        shape: [batchSize] + shape, scalars: (0..<(batchSize * 3072)).map { Float(($0 * 7919) % 255) / 255 })
    func unfused() -> Tensor {
        let tape = Tape()
        var context = model.makeContext(tape: tape, isTraining: false, trainable: false)
        return model(tape.variable(images), &context).value
    }
    let identical = unfused().scalars.map(\.bitPattern) == model.logits(images).scalars.map(\.bitPattern)
    var best = (fused: Double.infinity, unfused: Double.infinity)
    for _ in 0..<rounds {
        best.unfused = min(best.unfused, seconds { _ = unfused() })
        best.fused = min(best.fused, seconds { _ = model.logits(images) })
    }
    emit([
        "metric": "inference-fusion", "model": "resnet-mini", "batch": batchSize, "threads": 1,
        "path": KernelPath.active.rawValue, "fused_images_per_second": Double(batchSize) / best.fused,
        "unfused_images_per_second": Double(batchSize) / best.unfused, "speedup": best.unfused / best.fused,
        "identical": identical,
    ])
}
