import Foundation
import LoupeCompress
import LoupeData
import LoupeKernels
import LoupeNN
import LoupeSupport
import LoupeTensor

/// Best time of `body` over at least `rounds` runs and about `minimumSeconds` in total.
private func bestTime(rounds: Int = 5, minimumSeconds: Double = 1, _ body: () -> Void) -> Double {
    var best = Double.infinity
    var total = 0.0
    var runs = 0
    while runs < rounds || total < minimumSeconds {
        let time = seconds(body)
        (best, total, runs) = (min(best, time), total + time, runs + 1)
    }
    return best
}

/// `--int8-gemm`: the float GEMM (weights packed ahead, as a model's are) against the int8
/// GEMM (`Int8GEMM`, weights packed once) at `size`^3, on one thread and on `threads` (rows
/// split into contiguous ranges, one per thread). GOP/s counts a multiply and an add per term.
func runInt8GEMM(size: Int, threads: Int, emit: ([String: Any]) -> Void) {
    let a = (0..<size * size).map { Float($0 % 7) * 0.1 }
    let b = (0..<size * size).map { Float($0 % 5) * 0.1 }
    var c = [Float](repeating: 0, count: size * size)
    let packedB = b.withUnsafeBufferPointer {
        PackedOperand(
            side: .right, rows: size, columns: size, source: $0.baseAddress!, rowStride: size, isTransposed: false)
    }
    let codesA = (0..<size * size).map { Int8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    let codesB = (0..<size * size).map { Int8(truncatingIfNeeded: $0 &* 91 &+ 5) }
    let weights = codesB.withUnsafeBufferPointer { Int8PackedWeights($0, outputs: size, inputs: size)! }
    var sums = [Int32](repeating: 0, count: size * size)
    let operations = 2 * Double(size * size * size)
    for count in Set([1, threads]).sorted() {
        let ranges = Parallel.ranges(count: size, parts: count)
        let floatTime = a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    bestTime {
                        _ = Parallel.map(count: ranges.count, threads: count) { part in
                            let rows = ranges[part]
                            GEMM.multiply(
                                m: rows.count, n: size, k: size, a: a.baseAddress! + rows.lowerBound * size, lda: size,
                                b: b.baseAddress!, ldb: size, c: c.baseAddress! + rows.lowerBound * size, ldc: size,
                                packedB: packedB)
                        }
                    }
                }
            }
        }
        let integerTime = bestTime {
            Int8GEMM.multiply(m: size, a: codesA, lda: size, weights: weights, c: &sums, ldc: size, threads: count)
        }
        emit([
            "metric": "int8-gemm", "size": size, "threads": count, "float_gflops": operations / floatTime / 1e9,
            "int8_gops": operations / integerTime / 1e9, "speedup": floatTime / integerTime,
            "path": KernelPath.active.rawValue, "integer_path": weights.path.rawValue,
        ])
    }
}

/// `--int8-inference`: images/s of a model's float inference (`Model.logits`) against its
/// int8-full integer inference (`IntegerInference`: the pipeline where the layers form one,
/// and layer by layer, which must give the same logits) and the float simulation of the same
/// quantization, batch `batchSize`, on one thread and on `threads`. The model is
/// randomly initialised (speed does not depend on training) and quantized with the first 100
/// training images as calibration.
func runInt8Inference(
    model name: String, splits: DatasetSplits, batchSize: Int, threads: Int, emit: ([String: Any]) -> Void
) throws {
    let shape = Array(splits.train.images(at: [0]).shape.dropFirst())
    let architecture = Architecture.builtin(name, inputShape: shape, classes: splits.train.classCount)!
    let model = try Model(architecture: architecture, seed: 1)
    let quantized = try Quantizer.quantize(
        model, scheme: .int8Full, calibration: splits.train.images(at: Array(0..<min(100, splits.train.count))))
    let integer = try IntegerInference(quantized)
    let layerByLayer = try IntegerInference(quantized, path: .active, pipelined: false)
    let images = splits.train.images(at: (0..<batchSize).map { $0 % splits.train.count })
    let simulation = quantized.simulatedModel
    let logits = integer.logits(images)
    let agreement = zip(logits.argmaxRows(), simulation.logits(images).argmaxRows()).filter { $0 == $1 }.count
    for count in Set([1, threads]).sorted() {
        let floatTime = bestTime { _ = model.logits(images, threads: count) }
        let integerTime = bestTime { _ = integer.logits(images, threads: count) }
        let layerTime = bestTime { _ = layerByLayer.logits(images, threads: count) }
        let simulatedTime = bestTime { _ = simulation.logits(images, threads: count) }
        emit([
            "model": name, "metric": "int8-inference", "batch": batchSize, "threads": count,
            "float_images_per_second": Double(batchSize) / floatTime,
            "int8_images_per_second": Double(batchSize) / integerTime, "speedup": floatTime / integerTime,
            "int8_layer_by_layer_images_per_second": Double(batchSize) / layerTime,
            "simulated_images_per_second": Double(batchSize) / simulatedTime,
            "pipeline": integer.isPipelined,
            "same_logits_as_layer_by_layer": logits.scalars == layerByLayer.logits(images).scalars,
            "argmax_agreement_with_simulation": Double(agreement) / Double(batchSize),
            "path": KernelPath.active.rawValue, "integer_path": IntegerKernelPath.active.rawValue,
        ])
    }
}

extension Tensor {
    /// The index of the largest value of each row of a `[rows, classes]` tensor.
    fileprivate func argmaxRows() -> [Int] {
        let (classes, values) = (shape[1], scalars)
        return (0..<shape[0]).map { row in
            (0..<classes).max { values[row * classes + $0] < values[row * classes + $1] }!
        }
    }
}
