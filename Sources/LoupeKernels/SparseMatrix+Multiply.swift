import Dispatch
import LoupeKernelCore
import LoupeKernelsAVX2
import LoupeKernelsAVX512

extension SparseMatrix {
    /// The linear layer `Y = X Wᵀ + bias` with this matrix as `W` (`[rows, columns]`), on a
    /// feature-major batch: `input` has `columns` features, the result `rows`.
    ///
    /// Each nonzero weight costs one multiply-add per example, as a SIMD run over the batch, so
    /// the time scales with `nonzeroCount`, not with `rows * columns`.
    ///
    /// - Parameters:
    ///   - bias: `rows` values added to every example, or nil.
    ///   - rectify: clamps the results at zero (a ReLU fused into the product).
    ///   - threads: output rows are split across this many threads, balanced by nonzeros; the
    ///     result does not depend on it.
    package func multiply(
        _ input: FeatureMajorBatch, bias: [Float]? = nil, rectify: Bool = false, threads: Int = 1,
        path: KernelPath = .active
    ) -> FeatureMajorBatch {
        precondition(input.features == columns, "input has \(input.features) features, matrix \(columns) columns")
        precondition(bias == nil || bias!.count == rows, "bias needs \(rows) values")
        let lanes = input.computedLanes
        // The product writes every computed lane of every row.
        var output = FeatureMajorBatch(features: rows, batch: input.batch, zeroingFrom: columns > 0 ? lanes : 0)
        let stride = input.laneStride
        guard rows > 0, lanes > 0 else { return output }
        let parts = rowRanges(parts: threads)
        let columnBlocks = columnBlockCount
        segmentOffsets.withUnsafeBufferPointer { segments in
            columnIndices.withUnsafeBufferPointer { indices in
                values.withUnsafeBufferPointer { stored in
                    input.withUnsafeBufferPointer { x in
                        output.withUnsafeMutableBufferPointer { y in
                            withOptionalPointer(bias) { biasPointer in
                                let operands = SparseProductOperands(
                                    segmentOffsets: segments.baseAddress!, columnBlocks: columnBlocks,
                                    columnIndices: indices.baseAddress ?? dummyIndex,
                                    values: stored.baseAddress ?? dummyValue, bias: biasPointer,
                                    input: x.baseAddress ?? dummyValue, lanes: lanes, stride: stride,
                                    output: y.baseAddress!,
                                    rectify: rectify, path: path)
                                if parts.count == 1 {
                                    operands.run(rows: parts[0])
                                } else {
                                    DispatchQueue.concurrentPerform(iterations: parts.count) {
                                        operands.run(rows: parts[$0])
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// The linear layer `Y = X Wᵀ + bias` on a batch-major `input` (`[batch, columns]`
    /// row-major), returning `[batch, rows]` row-major. Transposes the input once into the
    /// feature-major layout and the result back.
    package func multiply(
        batchMajor input: [Float], batch: Int, bias: [Float]? = nil, rectify: Bool = false, threads: Int = 1,
        path: KernelPath = .active
    ) -> [Float] {
        let transposed = FeatureMajorBatch(batchMajor: input, batch: batch, features: columns)
        return multiply(transposed, bias: bias, rectify: rectify, threads: threads, path: path).batchMajorScalars()
    }

    /// Contiguous row ranges covering all rows, at most `parts`, with about equal numbers of
    /// nonzeros.
    func rowRanges(parts: Int) -> [Range<Int>] {
        let parts = max(1, min(parts, rows))
        var ranges: [Range<Int>] = []
        var start = 0
        for part in 1...parts {
            let target = nonzeroCount * part / parts
            var end = start
            while end < rows && rowOffsets[end + 1] <= target { end += 1 }
            if part == parts { end = rows }
            if end > start { ranges.append(start..<end) }
            start = end
        }
        return ranges
    }
}

/// Everything one call of the sparse product reads and writes, so row ranges can run on
/// several threads. Distinct ranges write distinct output rows.
private struct SparseProductOperands: @unchecked Sendable {
    let segmentOffsets: UnsafePointer<Int>
    let columnBlocks: Int
    let columnIndices: UnsafePointer<Int32>
    let values: UnsafePointer<Float>
    let bias: UnsafePointer<Float>?
    let input: UnsafePointer<Float>
    let lanes: Int
    let stride: Int
    let output: UnsafeMutablePointer<Float>
    let rectify: Bool
    let path: KernelPath

    func run(rows: Range<Int>) {
        switch path {
        case .avx512:
            avx512SparseRowProduct(
                rows: rows, segmentOffsets: segmentOffsets, columnBlocks: columnBlocks, columnIndices: columnIndices,
                values: values, bias: bias,
                input: input, inputStride: stride, lanes: lanes, output: output, outputStride: stride, rectify: rectify)
        case .avx2:
            avx2SparseRowProduct(
                rows: rows, segmentOffsets: segmentOffsets, columnBlocks: columnBlocks, columnIndices: columnIndices,
                values: values, bias: bias,
                input: input, inputStride: stride, lanes: lanes, output: output, outputStride: stride, rectify: rectify)
        case .generic:
            SparseRowProduct<SeparateMultiplyAdd>.multiply(
                rows: rows, segmentOffsets: segmentOffsets, columnBlocks: columnBlocks, columnIndices: columnIndices,
                values: values, bias: bias,
                input: input, inputStride: stride, lanes: lanes, output: output, outputStride: stride, rectify: rectify)
        }
    }
}

/// Stand-ins for the base address of an empty array (never dereferenced: no nonzeros, or no
/// input features, means no loads).
nonisolated(unsafe) private let dummyIndexStorage = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
nonisolated(unsafe) private let dummyValueStorage = UnsafeMutablePointer<Float>.allocate(capacity: 1)
private var dummyIndex: UnsafePointer<Int32> { UnsafePointer(dummyIndexStorage) }
private var dummyValue: UnsafePointer<Float> { UnsafePointer(dummyValueStorage) }

private func withOptionalPointer<R>(_ array: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}
