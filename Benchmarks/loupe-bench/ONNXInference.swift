import Foundation
import LoupeNN
import LoupeONNX
import LoupeTensor

/// `--onnx-inference FILE`: images per second of the imported model's logits on seeded
/// uniform images, `batch` per call on `threads` threads, best of `rounds` passes of at least
/// `batches` calls and at least `minimumSeconds` each. `--builtin NAME` also times the built-in architecture of that name, with the same
/// input shape and classes, to show that an imported copy runs as fast as Loupe's own.
/// `products` is `auto` (the model's choice), `split` (each fully connected product split by
/// rows across the threads) or `shard` (one shard of the batch per thread): see
/// `Model.splitsProducts`.
func runONNXInference(
    _ file: String, builtin: String?, batch: Int, threads: Int, products: String, batches: Int, rounds: Int,
    minimumSeconds: Double
) throws {
    guard ["auto", "split", "shard"].contains(products) else {
        throw ONNXError("--products", "must be auto, split or shard, not \(products)")
    }
    let url = URL(fileURLWithPath: file)
    let imported = try ImportedModel(
        converting: try ONNXModel(contentsOf: url), source: url.lastPathComponent,
        name: url.deletingPathExtension().lastPathComponent)
    var models = [(url.lastPathComponent, imported.model)]
    if let builtin {
        let shape = imported.model.architecture.inputShape
        guard let architecture = Architecture.builtin(builtin, inputShape: shape, classes: imported.model.classCount)
        else { throw ONNXError(builtin, "not a built-in architecture") }
        models.append(("\(builtin) (built-in)", try Model(architecture: architecture, seed: 1)))
    }
    for (name, model) in models {
        let shape = [batch] + model.architecture.inputShape
        var state: UInt64 = 7
        let images = Tensor(shape: shape) { buffer in
            for i in buffer.indices {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                buffer[i] = Float(state >> 40) / Float(1 << 24)
            }
        }
        let split = products == "auto" ? model.splitsProducts(images: batch, threads: threads) : products == "split"
        func logits() -> Tensor { model.logits(images, threads: threads, splittingProducts: split) }
        _ = logits()
        var best = 0.0
        for _ in 0..<rounds {
            var (calls, elapsed) = (0, 0.0)
            while calls < batches || elapsed < minimumSeconds {
                elapsed += seconds { _ = logits() }
                calls += 1
            }
            best = max(best, Double(batch * calls) / elapsed)
        }
        emit([
            "model": name, "metric": "onnx-inference", "images_per_second": best,
            "threads": threads, "batch": batch, "products": split ? "split" : "shard",
        ])
    }
}
