import CLoupeIntegerKernels
import LoupeSupport

/// Int8 weights (`outputs` rows of `inputs` values, one row per output column of the product)
/// packed once into the panel layout of an integer kernel path, for `Int8GEMM`: a layer's
/// weights are constant, so they are packed when the model is prepared, never per product.
package final class Int8PackedWeights: @unchecked Sendable {
    /// The path whose layout the panels follow.
    package let path: IntegerKernelPath
    /// Output columns (`n`) and depth (`k`) of the products.
    package let outputs: Int
    package let inputs: Int
    /// `sum(weights[j][0..<inputs])` per output column `j`, in Int32: with it a product of
    /// codes that carry a zero point, `sum((q - zp) * w)`, is `sum(q * w) - zp * sum(w)`.
    package let columnSums: [Int32]
    let storage: UnsafeMutableRawPointer

    /// Packs `weights` (`outputs x inputs`, row-major). `nil` when the packed size overflows.
    package init?(_ weights: UnsafeBufferPointer<Int8>, outputs: Int, inputs: Int, path: IntegerKernelPath = .active) {
        precondition(outputs >= 0 && inputs >= 0 && weights.count >= outputs * inputs, "weights do not fit the shape")
        guard let bytes = Int8PackedWeights.packedBytes(outputs: outputs, inputs: inputs, path: path) else {
            return nil
        }
        (self.path, self.outputs, self.inputs) = (path, outputs, inputs)
        storage = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 64), alignment: 64)
        loupe_int8_pack_weights(path.code, weights.baseAddress, inputs, outputs, inputs, storage)
        columnSums = (0..<outputs).map { j in
            weights[(j * inputs)..<((j + 1) * inputs)].reduce(Int32(0)) { $0 &+ Int32($1) }
        }
    }

    deinit { storage.deallocate() }

    /// Bytes of `outputs x inputs` weights packed for `path`, or `nil` on overflow.
    static func packedBytes(outputs: Int, inputs: Int, path: IntegerKernelPath) -> Int? {
        let columns = loupe_int8_panel_columns(path.code)
        let step = loupe_int8_panel_depth_step(path.code)
        let panels = (outputs + columns - 1) / columns
        let steps = (inputs + step - 1) / step
        switch path {
        case .generic: return CheckedSize.product(outputs, inputs)
        case .avx2: return CheckedSize.product([panels, steps, 64])
        case .avx512VNNI: return CheckedSize.product(steps, 128).flatMap { CheckedSize.product(panels, $0 + 128) }
        }
    }
}
