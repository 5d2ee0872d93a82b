import Dispatch
import LoupeKernels
import LoupeRandom

/// The column-block width of the CSR product (`SparseMatrix.columnBlockWidth`), measured:
/// one thread, a 256 x 784 matrix (the `mlp`'s first layer) at densities 0.5, 0.1 and 0.05
/// with seeded random nonzeros, batch 128, each width's best of 300 products. Every width
/// gives the same bits; the line says which width the matrix chose. Metric `sparse-blocks`.
func runSparseBlocks(emit: ([String: Any]) -> Void) {
    var generator = SeededGenerator(seed: 7)
    let (rows, columns, batch) = (256, 784, 128)
    let input = (0..<(batch * columns)).map { _ in Float.random(in: 0...1, using: &generator) }
    let x = FeatureMajorBatch(batchMajor: input, batch: batch, features: columns)
    for density in [0.5, 0.1, 0.05] {
        var dense = [Float](repeating: 0, count: rows * columns)
        for i in dense.indices where Double.random(in: 0..<1, using: &generator) < density {
            dense[i] = Float.random(in: -1...1, using: &generator)
        }
        let matrix = SparseMatrix(dense: dense, rows: rows, columns: columns)
        let widths = Array(Set([64, 128, 320, columns, matrix.columnBlockWidth])).sorted()
        let variants = widths.map { matrix.withColumnBlockWidth($0) }
        var best = [Double](repeating: .infinity, count: widths.count)
        for _ in 0..<300 {
            for (index, variant) in variants.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = variant.multiply(x, rectify: true, threads: 1)
                best[index] = min(best[index], Double(DispatchTime.now().uptimeNanoseconds - start))
            }
        }
        for (index, width) in widths.enumerated() {
            emit([
                "metric": "sparse-blocks", "rows": rows, "columns": columns, "batch_size": batch,
                "density": density, "nonzeros": matrix.nonzeroCount, "block_width": width,
                "chosen": width == matrix.columnBlockWidth, "microseconds": best[index] / 1000,
                "ns_per_nonzero": best[index] / Double(matrix.nonzeroCount), "threads": 1,
            ])
        }
    }
}
