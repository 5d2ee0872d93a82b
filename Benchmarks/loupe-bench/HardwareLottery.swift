import Dispatch
import Foundation
import LoupeCompress
import LoupeData
import LoupeNN
import LoupeTensor

/// The "hardware lottery" measurement: single-thread inference of the `mlp` (784-256-128-10)
/// with every weight tensor magnitude-pruned to 50%, 90% and 95% sparsity, run three ways:
/// `dense` (`Model.logits` on the unpruned model), `masked-dense` (the same dense kernels on the
/// pruned weights, so the zeros are still multiplied) and `sparse` (`SparseInference`, CSR
/// products). Unstructured sparsity only saves time when the kernel skips the zeros.
///
/// The model is trained briefly first (one epoch) so the pruned weights are those of a real
/// network and the accuracy cost of each sparsity (without fine-tuning) can be shown beside
/// the speed. Prints one JSON object per line (metric `hardware-lottery`).
func runHardwareLottery(
    splits: DatasetSplits, dataName: String, batchSize: Int, emit: ([String: Any]) -> Void
) throws {
    var trainer = try Trainer.benchmark("mlp", for: splits.train, batchSize: batchSize, threads: 1)
    try trainer.train(on: splits.train, test: nil) { _, _ in }
    let model = trainer.model

    let test = splits.test
    let batchCount = test.count / batchSize
    let batches = (0..<batchCount).map { b in test.images(at: Array(b * batchSize..<(b + 1) * batchSize)) }
    let labels = (0..<batchCount).flatMap { b in test.labels(at: Array(b * batchSize..<(b + 1) * batchSize)) }

    func accuracy(_ logits: (Tensor) -> Tensor) -> Double {
        var correct = 0
        for (b, images) in batches.enumerated() {
            let output = logits(images)
            let classes = output.shape[1]
            for row in 0..<batchSize {
                let scores = output.scalars[row * classes..<(row + 1) * classes]
                if scores.indices.max(by: { scores[$0] < scores[$1] })! - row * classes
                    == Int(labels[b * batchSize + row])
                {
                    correct += 1
                }
            }
        }
        return Double(correct) / Double(labels.count)
    }

    /// Best mean seconds per batch over `rounds` passes through all batches, the modes
    /// interleaved within each pass so that load from other processes hits them alike.
    func bestSecondsPerBatch(_ modes: [(Tensor) -> Tensor], rounds: Int) -> [Double] {
        var best = [Double](repeating: .infinity, count: modes.count)
        for mode in modes { _ = mode(batches[0]) }
        for _ in 0..<rounds {
            for (index, mode) in modes.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                for images in batches { _ = mode(images) }
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                best[index] = min(best[index], elapsed / Double(batches.count))
            }
        }
        return best
    }

    for sparsity in [0.5, 0.9, 0.95] {
        let pruned = SparseInference.magnitudePruned(model, sparsity: sparsity)
        let sparse = SparseInference(model: pruned, maximumDensity: 1)  // every layer on the CSR kernel
        let (nonzero, dense) = sparse.linearMultiplyAdds
        let modes: [(name: String, logits: (Tensor) -> Tensor, flopFraction: Double)] = [
            ("dense", { model.logits($0) }, 1),
            ("masked-dense", { pruned.logits($0) }, Double(nonzero) / Double(dense)),
            ("sparse", { sparse.logits($0, threads: 1) }, Double(nonzero) / Double(dense)),
        ]
        let seconds = bestSecondsPerBatch(modes.map(\.logits), rounds: 15)
        for (index, mode) in modes.enumerated() {
            emit([
                "model": "mlp", "metric": "hardware-lottery", "sparsity": sparsity, "mode": mode.name,
                "images_per_second": Double(batchSize) / seconds[index], "latency_ms": seconds[index] * 1000,
                "flop_fraction": mode.flopFraction, "speedup_vs_dense": seconds[0] / seconds[index],
                "test_accuracy": accuracy(mode.logits), "batch_size": batchSize, "threads": 1, "data": dataName,
            ])
        }
    }
}
