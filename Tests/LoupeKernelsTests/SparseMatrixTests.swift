import LoupeKernels
import XCTest

final class SparseMatrixTests: XCTestCase {
    /// A random `[rows, columns]` matrix with about `density` of its entries nonzero, and the
    /// rows listed in `emptyRows` all zero.
    func randomSparseDense(
        rows: Int, columns: Int, density: Double, emptyRows: Set<Int> = [], _ rng: inout SystemRandomNumberGenerator
    ) -> [Float] {
        (0..<rows * columns).map { index in
            guard !emptyRows.contains(index / max(columns, 1)), Double.random(in: 0..<1, using: &rng) < density else {
                return 0
            }
            return Float.random(in: 0.01...1, using: &rng) * (Bool.random(using: &rng) ? 1 : -1)
        }
    }

    /// `Y = X Wᵀ + bias` (optionally rectified) by a naive dense loop in Double.
    func naiveLinear(
        input: [Float], batch: Int, weight: [Float], rows: Int, columns: Int, bias: [Float]?, rectify: Bool
    ) -> [Float] {
        var result = [Float](repeating: 0, count: batch * rows)
        for example in 0..<batch {
            for row in 0..<rows {
                var sum = Double(bias?[row] ?? 0)
                for column in 0..<columns {
                    sum += Double(input[example * columns + column]) * Double(weight[row * columns + column])
                }
                result[example * rows + row] = Float(rectify ? max(sum, 0) : sum)
            }
        }
        return result
    }

    func testBuildsCSRFromDenseDroppingExactZeros() {
        let dense: [Float] = [0, 2, 0, -0.0, 3, 4, 0, 0, 0, 0, 0, 0, 5, 0, 0, 6]
        let matrix = SparseMatrix(dense: dense, rows: 4, columns: 4)
        XCTAssertEqual(matrix.rowOffsets, [0, 1, 3, 3, 5])
        XCTAssertEqual(matrix.columnIndices, [1, 0, 1, 0, 3])
        XCTAssertEqual(matrix.values, [2, 3, 4, 5, 6])
        XCTAssertEqual(matrix.nonzeroCount, 5)
        XCTAssertEqual(matrix.density, 5.0 / 16.0)
        XCTAssertEqual(matrix.denseScalars(), dense.map { $0 == 0 ? 0 : $0 })
    }

    func testMaskKeepsSelectedEntriesEvenWhenZero() {
        let dense: [Float] = [1, 0, 2, 3, 0, 4]
        let mask = [true, true, false, false, false, true]
        let matrix = SparseMatrix(dense: dense, rows: 2, columns: 3, mask: mask)
        XCTAssertEqual(matrix.rowOffsets, [0, 2, 3])
        XCTAssertEqual(matrix.columnIndices, [0, 1, 2])
        XCTAssertEqual(matrix.values, [1, 0, 4])
        XCTAssertEqual(matrix.denseScalars(), [1, 0, 0, 0, 0, 4])
    }

    func testFeatureMajorBatchRoundTripsAndPadsLanes() {
        var rng = SystemRandomNumberGenerator()
        for (batch, features) in [(1, 1), (15, 3), (16, 17), (33, 40), (64, 9), (128, 20), (130, 7)] {
            let values = (0..<batch * features).map { _ in Float.random(in: -1...1, using: &rng) }
            let transposed = FeatureMajorBatch(batchMajor: values, batch: batch, features: features)
            XCTAssertEqual(transposed.laneStride % 16, 0)
            XCTAssertTrue(transposed.laneStride >= batch && transposed.laneStride < batch + 32)
            XCTAssertEqual(transposed.scalars[(features - 1) * transposed.laneStride + batch - 1], values.last)
            XCTAssertEqual(transposed.batchMajorScalars(), values)
        }
    }

    /// Every 16-lane run of a feature-major batch is one cache line (the storage starts on a
    /// 64-byte boundary; a misaligned run cost the 90%-sparse `mlp` a quarter of its speed),
    /// the lanes past the batch are zeros, in inputs and in products alike, and a copy is
    /// changed without changing the original.
    func testFeatureMajorStorageIsCacheLineAlignedWithZeroPadding() {
        var rng = SystemRandomNumberGenerator()
        for (batch, features) in [(1, 3), (15, 3), (16, 17), (33, 40), (128, 20), (130, 7)] {
            let values = (0..<batch * features).map { _ in Float.random(in: -1...1, using: &rng) }
            let input = FeatureMajorBatch(batchMajor: values, batch: batch, features: features)
            let matrix = SparseMatrix(
                dense: (0..<5 * features).map { $0 % 3 == 0 ? Float($0 % 7) - 3 : 0 }, rows: 5, columns: features)
            let output = matrix.multiply(input, bias: [1, 2, 3, 4, 5], rectify: true)
            // The product computes the lanes up to the next multiple of 16 (from zero inputs).
            for (name, batch, firstZero) in [("input", input, batch), ("output", output, (batch + 15) / 16 * 16)] {
                batch.withUnsafeBufferPointer { XCTAssertEqual(Int(bitPattern: $0.baseAddress) % 64, 0, name) }
                let stored = batch.scalars
                for f in 0..<batch.features {
                    let padding = stored[f * batch.laneStride + firstZero..<(f + 1) * batch.laneStride]
                    XCTAssertTrue(padding.allSatisfy { $0 == 0 }, "\(name) of \(batch.batch), feature \(f)")
                }
            }
            let stored = input.scalars
            var copy = input
            copy.transform { $0 + 1 }
            XCTAssertEqual(input.scalars, stored)
            XCTAssertEqual(copy.scalars, stored.map { $0 + 1 })
            XCTAssertNotEqual(copy, input)
        }
    }

    /// The transposes into and out of the feature-major layout, on every path, against a
    /// naive loop: 8 x 8 and 16 x 16 blocks with ragged edges on both sides.
    func testFeatureMajorTransposesMatchANaiveLoopOnEveryPath() {
        var rng = SystemRandomNumberGenerator()
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for (batch, features) in [(7, 5), (16, 16), (37, 53), (128, 784), (40, 130)] {
                let values = (0..<batch * features).map { _ in Float.random(in: -1...1, using: &rng) }
                let transposed = values.withUnsafeBufferPointer {
                    FeatureMajorBatch(batchMajor: $0.baseAddress!, batch: batch, features: features, path: path)
                }
                let stored = transposed.scalars
                for f in 0..<features {
                    for i in 0..<batch {
                        XCTAssertEqual(
                            stored[f * transposed.laneStride + i], values[i * features + f],
                            "\(path) \(batch) x \(features) at \(i), \(f)")
                    }
                }
                var back = [Float](repeating: .nan, count: values.count)
                transposed.copyBatchMajor(into: &back, path: path)
                XCTAssertEqual(back, values, "\(path) \(batch) x \(features) back")
            }
        }
    }

    /// Every kernel path against the naive dense product: ragged batches around the 16- and
    /// 64-lane tiles, empty rows, all-zero and fully dense matrices, with and without bias and
    /// fused ReLU, row-major and feature-major entry points, one and several threads.
    func testMultiplyMatchesNaiveDenseReference() {
        var rng = SystemRandomNumberGenerator()
        let shapes = [
            (1, 1, 1), (5, 7, 3), (16, 16, 16), (17, 33, 65), (63, 5, 200), (64, 12, 30), (65, 9, 31),
            (128, 40, 100), (130, 50, 70), (200, 31, 40),
        ]
        for path in KernelPath.allCases where path <= KernelPath.supported {
            for (batch, rows, columns) in shapes {
                for density in [0.0, 0.05, 0.5, 1.0] {
                    let emptyRows: Set<Int> = rows > 2 ? [0, rows / 2] : []
                    let weight = randomSparseDense(
                        rows: rows, columns: columns, density: density, emptyRows: density == 1 ? [] : emptyRows, &rng)
                    let matrix = SparseMatrix(dense: weight, rows: rows, columns: columns)
                    let input = (0..<batch * columns).map { _ in Float.random(in: -1...1, using: &rng) }
                    let bias = (0..<rows).map { _ in Float.random(in: -1...1, using: &rng) }
                    for (useBias, rectify) in [(false, false), (true, false), (true, true)] {
                        let expected = naiveLinear(
                            input: input, batch: batch, weight: weight, rows: rows, columns: columns,
                            bias: useBias ? bias : nil, rectify: rectify)
                        let result = matrix.multiply(
                            batchMajor: input, batch: batch, bias: useBias ? bias : nil, rectify: rectify, path: path)
                        let worst = zip(result, expected).map { abs($0 - $1) }.max() ?? 0
                        XCTAssertEqual(result.count, expected.count)
                        XCTAssertLessThan(
                            worst, 2e-6 * Float(columns + 1),
                            "\(path) batch \(batch) \(rows)x\(columns) density \(density) bias \(useBias) relu \(rectify)"
                        )
                        let threaded = matrix.multiply(
                            batchMajor: input, batch: batch, bias: useBias ? bias : nil, rectify: rectify, threads: 3,
                            path: path)
                        XCTAssertEqual(threaded, result, "threads change the result")
                    }
                }
            }
        }
    }

    /// An example's outputs do not depend on the batch around it: 128-lane, 64-lane and 16-lane
    /// tiles add the same terms in the same order, so the bits are equal (here 256 examples in one
    /// product against the same examples 16 at a time), with rows in several groups and columns
    /// in several blocks.
    func testAnExamplesOutputsDoNotDependOnItsBatch() {
        var rng = SystemRandomNumberGenerator()
        let (batch, rows, columns) = (256, 70, 300)
        let matrix = SparseMatrix(
            dense: randomSparseDense(rows: rows, columns: columns, density: 0.1, &rng), rows: rows, columns: columns
        ).withColumnBlockWidth(64)
        let input = (0..<batch * columns).map { _ in Float.random(in: -1...1, using: &rng) }
        let bias = (0..<rows).map { _ in Float.random(in: -1...1, using: &rng) }
        for path in KernelPath.allCases where path <= KernelPath.supported {
            let whole = matrix.multiply(batchMajor: input, batch: batch, bias: bias, rectify: true, path: path)
            for start in stride(from: 0, to: batch, by: 16) {
                let part = matrix.multiply(
                    batchMajor: Array(input[(start * columns)..<((start + 16) * columns)]), batch: 16, bias: bias,
                    rectify: true, path: path)
                XCTAssertEqual(
                    part.map(\.bitPattern), whole[(start * rows)..<((start + 16) * rows)].map(\.bitPattern),
                    "\(path) examples \(start)..<\(start + 16)")
            }
        }
    }

    /// The column blocks only reorder which output rows are visited when: each lane still adds
    /// its row's nonzeros in column order, so any block width gives the same bits.
    func testTheColumnBlockWidthChangesNoBits() {
        var rng = SystemRandomNumberGenerator()
        let (batch, rows, columns) = (150, 45, 300)
        for density in [0.03, 0.1, 0.5] {
            let matrix = SparseMatrix(
                dense: randomSparseDense(rows: rows, columns: columns, density: density, emptyRows: [3], &rng),
                rows: rows, columns: columns)
            let input = (0..<batch * columns).map { _ in Float.random(in: -1...1, using: &rng) }
            let bias = (0..<rows).map { _ in Float.random(in: -1...1, using: &rng) }
            for path in KernelPath.allCases where path <= KernelPath.supported {
                let chosen = matrix.multiply(batchMajor: input, batch: batch, bias: bias, rectify: true, path: path)
                for width in [1, 7, 64, 299, 300, 1000] {
                    let blocked = matrix.withColumnBlockWidth(width).multiply(
                        batchMajor: input, batch: batch, bias: bias, rectify: true, path: path)
                    XCTAssertEqual(
                        blocked.map(\.bitPattern), chosen.map(\.bitPattern),
                        "\(path) density \(density) width \(width) (chosen \(matrix.columnBlockWidth))")
                }
            }
        }
    }

    /// The blocks are as wide as it takes for a row to have about 32 nonzeros in each, in
    /// multiples of 64 columns, never narrower than 64 nor wider than the matrix.
    func testColumnBlocksHoldAboutThirtyTwoNonzerosOfARow() {
        let cases: [(rows: Int, columns: Int, nonzeros: Int, width: Int)] = [
            (256, 784, 256 * 392, 64),  // 50%: 32 nonzeros per 64 columns
            (256, 784, 256 * 78, 320),  // 10%
            (256, 784, 256 * 39, 640),  // 5%
            (256, 784, 256 * 10, 784),  // sparser still: the whole row
            (256, 784, 256 * 784, 64),  // dense: never below 64
            (10, 40, 100, 40),  // narrower than a block
            (10, 500, 0, 500),  // no nonzeros
        ]
        for (rows, columns, nonzeros, width) in cases {
            XCTAssertEqual(
                SparseMatrix.columnBlockWidth(rows: rows, columns: columns, nonzeros: nonzeros), width,
                "\(rows) x \(columns) with \(nonzeros) nonzeros")
        }
        var rng = SystemRandomNumberGenerator()
        let matrix = SparseMatrix(
            dense: randomSparseDense(rows: 64, columns: 640, density: 0.1, &rng), rows: 64, columns: 640)
        XCTAssertEqual(
            matrix.columnBlockWidth,
            SparseMatrix.columnBlockWidth(rows: 64, columns: 640, nonzeros: matrix.nonzeroCount))
    }

    /// Two layers chained feature-major, with no transposition in between, equal the two
    /// row-major products one after the other.
    func testFeatureMajorChainMatchesRowMajorProducts() {
        var rng = SystemRandomNumberGenerator()
        let (batch, inputs, hidden, outputs) = (70, 90, 33, 10)
        let first = SparseMatrix(
            dense: randomSparseDense(rows: hidden, columns: inputs, density: 0.2, &rng), rows: hidden, columns: inputs)
        let second = SparseMatrix(
            dense: randomSparseDense(rows: outputs, columns: hidden, density: 0.3, &rng), rows: outputs,
            columns: hidden)
        let input = (0..<batch * inputs).map { _ in Float.random(in: -1...1, using: &rng) }
        let chained = second.multiply(
            first.multiply(FeatureMajorBatch(batchMajor: input, batch: batch, features: inputs), rectify: true)
        ).batchMajorScalars()
        let stepwise = second.multiply(
            batchMajor: first.multiply(batchMajor: input, batch: batch, rectify: true), batch: batch)
        XCTAssertEqual(chained, stepwise)
        XCTAssertTrue(chained.contains { $0 != 0 })
    }
}
