import LoupeSupport

/// How a checkpoint stores a parameter that has a pruning mask, and what each way costs.
///
/// For a parameter `p` of dense shape `S` (`n` elements) whose mask keeps `k` of them:
///
/// - ``dense``: `p` as `F32` and the mask as `mask.p` (`U8`, 1 keeps), as checkpoints did
///   before compact storage: `5n` bytes. The only layout for a parameter whose removed weights
///   are not all zero.
/// - ``bitmap``: `sparse.p.bitmap` (`U8`, `ceil(n / 8)` bytes; bit `i % 8` of byte `i / 8`,
///   least significant first, is the mask at row-major position `i`; padding bits are 0) and
///   `sparse.p.values` (`F32`, the `k` kept values in row-major order): `ceil(n / 8) + 4k` bytes.
/// - ``csr``: compressed sparse rows over the 2-D view with `rows = S[0]` and `columns` the
///   product of the other extents (a tensor of rank 0 or 1 is one row): `sparse.p.offsets`
///   (`rows + 1` entries, `I32`, or `I64` when `k` > 2^31 - 1; row `r` holds entries
///   `offsets[r]..<offsets[r + 1]`), `sparse.p.indices` (each kept weight's column, ascending
///   within its row, in the narrowest of `U8`, `I16`, `I32`, `I64` that holds `columns - 1`)
///   and `sparse.p.values` (`F32`, `k` values in the same order):
///   `(rows + 1) * offset bytes + k * (index bytes + 4)` bytes.
///
/// The compact layouts leave removed weights out, so they hold only a parameter whose removed
/// weights are all zero. To give the tensor back bit for bit, a removed weight that is `-0.0`
/// (what multiplying a negative weight by a 0 mask gives) is recorded in
/// `sparse.p.negative_zeros` (`U8`, `ceil((n - k) / 8)` bytes, bit `j` set when the `j`-th
/// removed position in row-major order holds `-0.0`), written only when there is one. The
/// mask, not the value, says what is kept: a kept weight equal to 0 is stored like any other.
///
/// The checkpoint's metadata records each compact parameter under `sparse.p` as JSON,
/// `{"layout":"csr","shape":[128,3136]}`, so other safetensors readers can rebuild it.
public enum ParameterStorageLayout: String, Codable, CaseIterable, Sendable {
    case dense
    case bitmap
    case csr

    /// The bytes this layout stores for a parameter of `shape` with `kept` weights kept,
    /// `negativeZeros` when some removed weight is `-0.0` (the header's entries aside); nil
    /// when a size overflows or the layout cannot hold such a tensor.
    public static func dataBytes(
        _ layout: ParameterStorageLayout, shape: [Int], kept: Int, negativeZeros: Bool
    ) -> Int? {
        guard let count = CheckedSize.product(shape), kept >= 0, kept <= count else { return nil }
        let removedSigns = negativeZeros ? (count - kept + 7) / 8 : 0
        switch layout {
        case .dense:
            return CheckedSize.product(count, 5)
        case .bitmap:
            guard let values = CheckedSize.product(kept, 4) else { return nil }
            return CheckedSize.sum([(count + 7) / 8, values, removedSigns])
        case .csr:
            guard let view = CSRView(shape: shape), let offsets = CheckedSize.sum([view.rows, 1]),
                let offsetBytes = CheckedSize.product(offsets, CSRView.offsetType(kept: kept).byteSize),
                let entryBytes = CheckedSize.product(kept, view.indexType.byteSize + 4)
            else { return nil }
            return CheckedSize.sum([offsetBytes, entryBytes, removedSigns])
        }
    }

    /// The layout storing the fewest bytes for such a parameter; ties go to the earlier of
    /// bitmap, CSR, dense. `compactPossible` is false when a removed weight is not zero, which
    /// leaves only ``dense``.
    public static func smallest(
        shape: [Int], kept: Int, negativeZeros: Bool, compactPossible: Bool = true
    ) -> ParameterStorageLayout {
        guard compactPossible else { return .dense }
        var best = ParameterStorageLayout.dense
        var bestBytes = Int.max
        for layout in [ParameterStorageLayout.bitmap, .csr, .dense] {
            if let bytes = dataBytes(layout, shape: shape, kept: kept, negativeZeros: negativeZeros),
                bytes < bestBytes
            {
                (best, bestBytes) = (layout, bytes)
            }
        }
        return best
    }
}

/// The 2-D view of a tensor that ``ParameterStorageLayout/csr`` stores: rows are the first
/// extent, columns the product of the others (a tensor of rank 0 or 1 is one row).
package struct CSRView: Equatable, Sendable {
    package var rows: Int
    package var columns: Int

    /// The view of `shape`, nil when the column count overflows.
    package init?(shape: [Int]) {
        if shape.count < 2 {
            guard let columns = CheckedSize.product(shape) else { return nil }
            (rows, self.columns) = (1, columns)
        } else {
            guard let columns = CheckedSize.product(shape.dropFirst()) else { return nil }
            (rows, self.columns) = (shape[0], columns)
        }
    }

    /// The narrowest dtype holding every column index, `0..<columns`.
    package var indexType: SafeTensorsDType {
        switch columns {
        case ...256: .uint8
        case ...32768: .int16
        case ...(1 << 31): .int32
        default: .int64
        }
    }

    /// The dtype of the row offsets, which run up to `kept`.
    package static func offsetType(kept: Int) -> SafeTensorsDType {
        kept <= Int(Int32.max) ? .int32 : .int64
    }
}
