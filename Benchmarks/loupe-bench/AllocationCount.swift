import Foundation
import LoupeData
import LoupeNN
import LoupeTensor

/// Calls to the C allocator per training step, inference batch and input-gradient batch in
/// steady state, split into blocks under 4 KiB and blocks of 4 KiB or more (tensor buffers).
///
/// Needs the counting allocator of `Benchmarks/allocation-counter` loaded with LD_PRELOAD;
/// `Benchmarks/allocations.sh` builds it and runs this.
func runAllocationCount(
    splits: DatasetSplits, dataName: String, models: [String], batchSize: Int, emit: ([String: Any]) -> Void
) throws {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "loupe_allocation_counts") else {
        FileHandle.standardError.write(
            Data("--allocations needs the counting allocator: run Benchmarks/allocations.sh\n".utf8))
        exit(1)
    }
    typealias Counts = @convention(c) (UnsafeMutablePointer<Int64>) -> Void
    let read = unsafeBitCast(symbol, to: Counts.self)
    func counts() -> [Int64] {
        var values = [Int64](repeating: 0, count: 4)
        values.withUnsafeMutableBufferPointer { read($0.baseAddress!) }
        let pool = TensorStoragePool.shared.counts
        return values + [Int64(pool.requests), Int64(pool.reuses)]
    }
    func report(_ model: String, _ phase: String, _ before: [Int64], _ after: [Int64], per count: Int) {
        let delta = zip(after, before).map { Double($0 - $1) / Double(count) }
        emit([
            "model": model, "metric": "allocations-\(phase)", "small_calls": delta[0], "small_bytes": delta[1],
            "large_calls": delta[2], "large_bytes": delta[3], "pool_requests": delta[4], "pool_reuses": delta[5],
            "threads": threads, "data": dataName,
        ])
    }
    let warmUp = 10
    let measured = 20
    for name in models {
        let examples = min(splits.train.count, (warmUp + measured + 1) * batchSize)
        var trainer = try Trainer.benchmark(name, for: splits.train, batchSize: batchSize, threads: threads)
        var start: [Int64] = []
        var end: [Int64] = []
        try trainer.train(on: splits.train.subset(Array(0..<examples)), test: nil) { event, _ in
            guard case .batch(let done, _) = event else { return }
            if done == warmUp { start = counts() }
            if done == warmUp + measured { end = counts() }
        }
        report(name, "per-training-step", start, end, per: measured)

        let model = trainer.model
        let positions = Array(0..<batchSize)
        let images = splits.train.images(at: positions)
        let labels = splits.train.labels(at: positions).map(Int.init)
        for _ in 0..<warmUp { _ = model.logits(images, threads: threads) }
        start = counts()
        for _ in 0..<measured { _ = model.logits(images, threads: threads) }
        report(name, "per-inference-batch", start, counts(), per: measured)
        let batching = InputGradientBatching(rowsPerChunk: batchSize, threads: threads)
        for _ in 0..<warmUp { _ = model.inputGradients(images, classes: labels, batching: batching) }
        start = counts()
        for _ in 0..<measured { _ = model.inputGradients(images, classes: labels, batching: batching) }
        report(name, "per-input-gradient-batch", start, counts(), per: measured)
    }
}
