import LoupeSupport
import LoupeTensor

/// The gradients of one batch's shards, one list of parameter gradients per shard.
package enum GradientParts {
    /// The element-wise sum of each position over `parts`, added in part order into the
    /// first part's tensors (on up to `threads` threads by element ranges); the other parts'
    /// storage goes back to `TensorStoragePool.shared`.
    package static func sum(_ parts: inout [[Tensor]], threads: Int) -> [Tensor] {
        precondition(!parts.isEmpty, "no gradient parts")
        var total = parts[0]
        parts[0] = []  // leaves `total` uniquely referenced, so it is added to in place
        for position in total.indices where parts.count > 1 {
            let others = parts.dropFirst().map { $0[position] }
            total[position].withUnsafeMutableBufferPointer { buffer in
                let total = buffer
                Parallel.forEachRange(count: total.count, threads: threads) { range in
                    for other in others {
                        other.withUnsafeBufferPointer { part in
                            for i in range { total[i] += part[i] }
                        }
                    }
                }
            }
        }
        for part in parts.indices.dropFirst() {
            for position in parts[part].indices { TensorStoragePool.shared.recycle(&parts[part][position]) }
        }
        return total
    }
}
