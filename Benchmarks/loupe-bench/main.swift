import CLoupePlatform
import Foundation
import LoupeData
import LoupeKernels
import LoupeNN
import LoupeSupport
import LoupeTensor

// Loupe's side of the benchmark: training, inference and input-gradient throughput of the
// reference models, GEMM GFLOP/s against the machine's FMA peak. One JSON object per line,
// in the format of Benchmarks/pytorch_reference.py; Benchmarks/run.sh puts them side by side.

loupe_keep_freed_memory()
let arguments = CommandLine.arguments
func option(_ name: String, default value: String) -> String {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return value }
    return arguments[index + 1]
}
let threads = Int(option("--threads", default: "2"))!
let batchSize = Int(option("--batch-size", default: "128"))!
let steps = Int(option("--steps", default: "200"))!
// The training rate times the steps after the warm-up and before the last: two at least.
guard steps >= 2 else {
    FileHandle.standardError.write(Data("loupe-bench: --steps must be 2 or more (got \(steps))\n".utf8))
    exit(2)
}
var dataName = option("--data", default: "fashion-mnist")
/// `--models cnn` restricts the throughput section (`mlp`, `cnn`, `resnet-mini`) and the
/// population measurement (`mlp`, `cnn`); `--data` names a dataset `loupe train` reads (a
/// CIFAR-style ImageFolder path, read in place, for `resnet-mini`); `--throughput-only` stops after it (for profiling),
/// `--skip-throughput` runs everything else (Benchmarks/run.sh runs the throughput in rounds).
let modelNames = option("--models", default: "mlp,cnn").split(separator: ",").map(String.init)

func emit(_ object: [String: Any]) {
    var record = object
    record["engine"] = "loupe"
    let data = try! JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

// `--image-folder DIR`: ImageFolder decoding and cache speed alone (Benchmarks/image-decode.sh).
if let index = arguments.firstIndex(of: "--image-folder"), index + 1 < arguments.count {
    try runImageFolderSpeed(arguments[index + 1], rounds: Int(option("--rounds", default: "3"))!)
    exit(0)
}

// `--onnx-inference FILE [--builtin NAME] [--products split|shard]`: an imported ONNX model's
// inference speed (Benchmarks/onnx.sh); `--products` overrides how the threads are used.
if let index = arguments.firstIndex(of: "--onnx-inference"), index + 1 < arguments.count {
    try runONNXInference(
        arguments[index + 1], builtin: arguments.contains("--builtin") ? option("--builtin", default: "") : nil,
        batch: batchSize, threads: threads, products: option("--products", default: "auto"),
        batches: Int(option("--batches", default: "3"))!,
        rounds: Int(option("--rounds", default: "3"))!, minimumSeconds: Double(option("--seconds", default: "1"))!)
    exit(0)
}

// `--winograd`: stride-1 3 x 3 convolutions lowered and by Winograd's F(4 x 4, 3 x 3) (one thread).
if arguments.contains("--winograd") {
    runWinogradSpeed()
    exit(0)
}

// `--transposes`: the channels-first/channels-last transposes around Winograd's passes.
if arguments.contains("--transposes") {
    runTransposeSpeed()
    exit(0)
}

// `--weight-gradient-forms`: each convolution weight gradient's two formulations (one thread).
if arguments.contains("--weight-gradient-forms") {
    runWeightGradientForms()
    exit(0)
}

// `--inference-fusion`: resnet-mini's inference with and without convolution + batch norm
// fused (one thread, `--batch-size`, `--rounds`), and whether the logits agree bit for bit.
if arguments.contains("--inference-fusion") {
    runInferenceFusion(batchSize: batchSize, rounds: Int(option("--rounds", default: "10"))!, emit: emit)
    exit(0)
}

// `--inference-passes`: inference in passes of each of `--sizes` images (one thread,
// `--models`, `--batch-size`, `--rounds`), next to the pass size each model picks.
if arguments.contains("--inference-passes") {
    runInferencePasses(
        models: modelNames,
        sizes: option("--sizes", default: "8,16,32,48,64,128").split(separator: ",").map { Int($0)! },
        batchSize: batchSize, rounds: Int(option("--rounds", default: "20"))!, emit: emit)
    exit(0)
}

// `--resnet-convolutions`: GFLOP/s of resnet-mini's convolutions, pass by pass (one thread);
// `--widths 64,128,256,512 --blocks 2` for a full-width ResNet-18, `--passes forward` for some,
// `--cpu-time` to time CPU time rather than wall time.
if arguments.contains("--resnet-convolutions") {
    runResNetConvolutions(
        batch: batchSize / 2, rounds: Int(option("--rounds", default: "20"))!,
        widths: option("--widths", default: "16,32,64").split(separator: ",").map { Int($0)! },
        blocks: Int(option("--blocks", default: "1"))!,
        passNames: arguments.contains("--passes")
            ? Set(option("--passes", default: "").split(separator: ",").map(String.init)) : nil,
        cpuTime: arguments.contains("--cpu-time"), emit: emit)
    emit(["metric": "fma-peak", "gflops": GEMM.measurePeakGFLOPS(), "path": KernelPath.active.rawValue])
    exit(0)
}

let splits: DatasetSplits
do {
    splits = try DatasetLoader.load(dataName)
} catch {
    FileHandle.standardError.write(Data("\(error); falling back to mnist-5k\n".utf8))
    dataName = "mnist-5k"
    splits = try DatasetLoader.load(dataName)
}

/// GEMM GFLOP/s at 256, 512 and 1024 cubed on one core, next to the measured FMA peak.
func runGEMM() {
    for size in [256, 512, 1024] {
        let a = (0..<size * size).map { Float($0 % 7) * 0.1 }
        let b = (0..<size * size).map { Float($0 % 5) * 0.1 }
        var c = [Float](repeating: 0, count: size * size)
        var best = Double.infinity
        for _ in 0..<max(3, 4_000_000_000 / (2 * size * size * size)) {
            best = min(
                best,
                seconds { GEMM.multiply(m: size, n: size, k: size, a: a, lda: size, b: b, ldb: size, c: &c, ldc: size) }
            )
        }
        emit([
            "metric": "gemm", "size": size, "gflops": 2 * Double(size * size * size) / best / 1e9,
            "path": KernelPath.active.rawValue,
        ])
    }
    emit(["metric": "fma-peak", "gflops": GEMM.measurePeakGFLOPS(), "path": KernelPath.active.rawValue])
}

/// GFLOP/s of the products one image of the reference `cnn` makes in training, on one core:
/// where the convolution blocks lose efficiency (shallow depths, narrow panels).
func runConvolutionProducts() {
    let geometries = [
        (
            "conv1",
            ConvolutionGeometry(
                channels: 1, height: 28, width: 28, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1), 32
        ),
        (
            "conv2",
            ConvolutionGeometry(
                channels: 32, height: 14, width: 14, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1), 64
        ),
    ]
    for (name, geometry, outChannels) in geometries {
        let (patch, positions) = (geometry.patchSize, geometry.paddedPositions)
        let offsets = geometry.paddedRowOffsets()
        let image = [Float](repeating: 0.5, count: geometry.paddedImageCount)
        let weights = [Float](repeating: 0.25, count: outChannels * patch)
        let gradient = [Float](repeating: 0.125, count: outChannels * positions)
        var output = [Float](repeating: 0, count: max(outChannels, patch) * max(positions, patch))
        let packedWeight = weights.withUnsafeBufferPointer {
            PackedOperand(
                side: .left, rows: outChannels, columns: patch, source: $0.baseAddress!, rowStride: patch,
                isTransposed: false)
        }
        let packedTransposed = weights.withUnsafeBufferPointer {
            PackedOperand(
                side: .left, rows: patch, columns: outChannels, source: $0.baseAddress!, rowStride: patch,
                isTransposed: true)
        }
        let products: [(String, Int, () -> Void)] = [
            (
                "forward \(outChannels)x\(positions)x\(patch)", outChannels * positions * patch,
                {
                    GEMM.multiply(
                        m: outChannels, n: positions, k: patch, a: weights, lda: patch, b: image, ldb: 0, beta: 1,
                        c: &output, ldc: positions, packedA: packedWeight, bRowOffsets: offsets)
                }
            ),
            (
                "weight gradient \(outChannels)x\(patch)x\(positions)", outChannels * positions * patch,
                {
                    output.withUnsafeMutableBufferPointer { weights in
                        geometry.accumulatePaddedWeightGradient(
                            outputs: outChannels, gradient: gradient, padded: image, offsets: offsets,
                            into: weights.baseAddress!)
                    }
                }
            ),
            (
                "input gradient \(patch)x\(positions)x\(outChannels)", outChannels * positions * patch,
                {
                    GEMM.multiply(
                        transposeA: true, m: patch, n: positions, k: outChannels, a: weights, lda: patch,
                        b: gradient, ldb: positions, c: &output, ldc: positions, packedA: packedTransposed)
                }
            ),
        ]
        for (label, multiplyAdds, run) in products {
            var best = Double.infinity
            for _ in 0..<20 {
                best = min(best, seconds { for _ in 0..<100 { run() } } / 100)
            }
            emit([
                "metric": "convolution-product", "layer": name, "product": label,
                "gflops": 2 * Double(multiplyAdds) / best / 1e9, "microseconds": best * 1e6,
            ])
        }
    }
}

if arguments.contains("--convolution-products") {
    runConvolutionProducts()
    exit(0)
}

/// Busy-waits for `microseconds`.
@Sendable func spin(_ microseconds: Double) {
    let end = DispatchTime.now().uptimeNanoseconds + UInt64(microseconds * 1000)
    while DispatchTime.now().uptimeNanoseconds < end {}
}

/// Microseconds to run a parallel loop of two 20 us items, a gap of main-thread work before
/// each: Dispatch (`concurrentPerform`) against `Parallel.map` (the worker team); and the time
/// to pack a 784 x 256 weight transposed (the mlp's first layer) for the active kernel path.
func runParallelOverhead() {
    for gap in [0.0, 200.0] {
        let loops = 2000
        let dispatch = seconds {
            for _ in 0..<loops {
                spin(gap)
                DispatchQueue.concurrentPerform(iterations: 2) { _ in spin(20) }
            }
        }
        let team = seconds {
            for _ in 0..<loops {
                spin(gap)
                _ = Parallel.map(count: 2, threads: 2) { _ in spin(20) }
            }
        }
        for (name, total) in [("dispatch", dispatch), ("worker-team", team)] {
            emit([
                "metric": "parallel-loop-overhead", "runner": name, "gap_us": gap,
                "overhead_us": total / Double(loops) * 1e6 - gap - 20,
            ])
        }
    }
    let weights = (0..<(256 * 784)).map { Float($0 % 97) }
    var best = Double.infinity
    weights.withUnsafeBufferPointer { source in
        for _ in 0..<200 {
            best = min(
                best,
                seconds {
                    _ = PackedOperand(
                        side: .right, rows: 784, columns: 256, source: source.baseAddress!, rowStride: 784,
                        isTransposed: true)
                })
        }
    }
    emit([
        "metric": "pack-transposed-weight", "rows": 784, "columns": 256, "microseconds": best * 1e6,
        "path": KernelPath.active.rawValue,
    ])
}

/// Whether the machine runs `threads` threads at once at full speed right now: the time of the
/// FMA-peak measurement on one thread against the same measurement on every thread at once
/// (scaling = threads x one-thread time / all-threads time; `threads` on a machine that
/// gives each thread its own core). Benchmarks/run.sh runs it around every engine's round.
/// Also the round trip of a cache line between two threads (one increments a shared counter
/// when it is even, the other when it is odd), which no arithmetic loop shows.
if arguments.contains("--core-check") {
    let single = seconds { _ = GEMM.measurePeakGFLOPS() }
    let together = seconds { _ = Parallel.map(count: threads, threads: threads) { _ in GEMM.measurePeakGFLOPS() } }
    let counter = UnsafeMutablePointer<Int64>.allocate(capacity: 8)
    counter.initialize(repeating: 0, count: 8)
    let trips: Int64 = 200_000
    let pingPong = seconds {
        _ = Parallel.map(count: 2, threads: 2) { side in
            let counterAddress = counter
            while true {
                let value = loupe_atomic_load(counterAddress)
                if value >= 2 * trips { break }
                if value % 2 == Int64(side) {
                    loupe_atomic_store(counterAddress, value + 1)
                } else {
                    loupe_spin_pause()
                }
            }
        }
    }
    emit([
        "metric": "core-check", "scaling": Double(threads) * single / together, "threads": threads,
        "round_trip_ns": pingPong * 1e9 / Double(trips),
    ])
    exit(0)
}

if arguments.contains("--parallel-overhead") {
    runParallelOverhead()
    exit(0)
}

if arguments.contains("--vector-math") {
    // exp, log, tanh and the sigmoid over a million values, every kernel path (seconds).
    runVectorMath(emit: emit)
    exit(0)
}

if arguments.contains("--sparse-blocks") {
    // The CSR product's column-block width, measured (seconds).
    runSparseBlocks(emit: emit)
    exit(0)
}

if arguments.contains("--gemm") {
    // The GEMM and the FMA peak only (seconds).
    runGEMM()
    exit(0)
}

if arguments.contains("--int8-gemm") {
    // Float against int8 GEMM at 512^3, one thread and `--threads` (seconds).
    runInt8GEMM(size: Int(option("--size", default: "512"))!, threads: threads, emit: emit)
    exit(0)
}

if arguments.contains("--int8-inference") {
    // Each model's dense float inference against its int8-full integer inference (seconds).
    for model in modelNames {
        try runInt8Inference(model: model, splits: splits, batchSize: batchSize, threads: threads, emit: emit)
    }
    exit(0)
}

if arguments.contains("--vog") {
    // VoG over the whole training set and 10 checkpoints only (takes minutes).
    try runVoGSpeed(splits: splits, dataName: dataName, checkpoints: 10, threads: threads, emit: emit)
    exit(0)
}

if arguments.contains("--lottery") {
    // The hardware-lottery measurement only (seconds).
    try runHardwareLottery(splits: splits, dataName: dataName, batchSize: batchSize, emit: emit)
    exit(0)
}

if arguments.contains("--allocations") {
    try runAllocationCount(splits: splits, dataName: dataName, models: modelNames, batchSize: batchSize, emit: emit)
    exit(0)
}

for name in arguments.contains("--skip-throughput") ? [] : modelNames {
    let modelSteps = name == "mlp" ? steps * 5 : steps
    let warmUp = 5
    let examples = min(splits.train.count, (modelSteps + warmUp) * batchSize)
    var trainer = try Trainer.benchmark(name, for: splits.train, batchSize: batchSize, threads: threads)
    var startedAt: UInt64 = 0
    var endedAt: UInt64 = 0
    var timedImages = 0
    // Each timed step's seconds too: their median is steadier than the mean on a machine
    // whose neighbours come and go (A/B comparisons of two builds).
    var (stepSeconds, stepStart): ([Double], UInt64) = ([], 0)
    try trainer.train(on: splits.train.subset(Array(0..<examples)), test: nil) { event, _ in
        guard case .batch(let done, let total) = event else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        if done == warmUp { startedAt = now }
        if done > warmUp && done < total {
            timedImages += batchSize
            stepSeconds.append(Double(now - stepStart) / 1e9)
        }
        if done == total - 1 { endedAt = now }
        stepStart = now
    }
    let trainRate = Double(timedImages) / (Double(endedAt - startedAt) / 1e9)
    let medianStep = stepSeconds.sorted()[stepSeconds.count / 2]
    emit([
        "model": name, "metric": "train", "images_per_second": trainRate,
        "median_step_images_per_second": Double(batchSize) / medianStep, "threads": threads, "data": dataName,
    ])

    let model = trainer.model
    let batches = (0..<(modelSteps)).map { b -> (Tensor, [Int]) in
        let positions = (0..<batchSize).map { (b * batchSize + $0) % splits.train.count }
        return (splits.train.images(at: positions), splits.train.labels(at: positions).map(Int.init))
    }
    _ = model.logits(batches[0].0, threads: threads)
    let inferenceTime = seconds { for (images, _) in batches { _ = model.logits(images, threads: threads) } }
    emit(["model": name, "metric": "inference", "images_per_second": Double(modelSteps * batchSize) / inferenceTime])
    let gradientTime = seconds {
        for (images, labels) in batches {
            _ = model.inputGradients(
                images, classes: labels,
                batching: InputGradientBatching(rowsPerChunk: images.shape[0], threads: threads))
        }
    }
    emit([
        "model": name, "metric": "input-gradient", "images_per_second": Double(modelSteps * batchSize) / gradientTime,
    ])
}

if arguments.contains("--throughput-only") { exit(0) }

/// Images/s for a population of `threads` models: trained one after another with all threads
/// each (split), or side by side with one thread each (one model per core).
func populationRate(_ name: String, steps: Int, oneModelPerCore: Bool) throws -> Double {
    let members = threads
    let examples = min(splits.train.count, steps * batchSize)
    let data = splits.train.subset(Array(0..<examples))
    func trainMember(_ seed: Int, threads: Int) throws {
        var trainer = try Trainer.benchmark(name, for: data, batchSize: batchSize, threads: threads, seed: UInt64(seed))
        try trainer.train(on: data, test: nil) { _, _ in }
    }
    let time = try seconds {
        if oneModelPerCore {
            let failures = Parallel.map(count: members, threads: members) { seed in
                (try? trainMember(seed, threads: 1)) == nil
            }
            precondition(!failures.contains(true))
        } else {
            for seed in 0..<members { try trainMember(seed, threads: threads) }
        }
    }
    return Double(members * examples) / time
}

for name in ["mlp", "cnn"] where modelNames.contains(name) {
    let modelSteps = name == "cnn" ? steps / 2 : steps * 2
    for perCore in [false, true] {
        emit([
            "model": name, "metric": perCore ? "population-one-model-per-core" : "population-split-across-cores",
            "images_per_second": try populationRate(name, steps: modelSteps, oneModelPerCore: perCore),
            "models": threads,
        ])
    }
}

runGEMM()
emit(["metric": "peak-memory", "bytes": ResourceUsage.current().peakResidentBytes])
try runHardwareLottery(splits: splits, dataName: dataName, batchSize: batchSize, emit: emit)
