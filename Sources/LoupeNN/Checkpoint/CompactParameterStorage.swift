import Foundation
import LoupeSupport
import LoupeTensor

/// Writes a pruned parameter into a safetensors archive in the smallest
/// ``ParameterStorageLayout`` (tensor names and bytes are documented there); reading it back
/// is ``CompactParameterStorage/load(from:shapes:file:)``.
package enum CompactParameterStorage {
    /// The prefix of compact parameters' tensor names and metadata keys (`sparse.fc1.weight`).
    package static let prefix = "sparse."
    /// The prefix of dense-stored masks' tensor names (`mask.fc1.weight`).
    package static let maskPrefix = "mask."

    /// A compact parameter's metadata entry: its layout and dense shape.
    struct Record: Codable, Equatable {
        var layout: ParameterStorageLayout
        var shape: [Int]
    }

    /// The name of part `part` (`values`, `bitmap`, `offsets`, `indices`, `negative_zeros`)
    /// of compact parameter `name`.
    package static func partName(_ name: String, _ part: String) -> String { "\(prefix)\(name).\(part)" }

    /// Adds parameter `name`, holding `tensor` with pruning mask `mask` (1 keeps, 0 removes),
    /// to `archive` in the layout with the fewest bytes and returns that layout.
    ///
    /// - Throws: An `InputError` naming `file`, adding nothing, when `mask` is not the
    ///   parameter's shape or holds a value other than 0 and 1.
    @discardableResult
    package static func store(
        _ tensor: Tensor, mask: Tensor, named name: String, in archive: inout SafeTensorsArchive, file: String
    ) throws -> ParameterStorageLayout {
        guard mask.shape == tensor.shape else {
            throw InputError(
                source: file,
                problem: "mask of \(name) has shape \(mask.shape), the parameter \(tensor.shape); not written")
        }
        let values = tensor.scalars
        let keep = mask.scalars
        var kept = 0
        var removedAreZero = true
        var negativeZeros = false
        for (value, flag) in zip(values, keep) {
            if flag == 1 {
                kept += 1
            } else if flag == 0 {
                if value.bitPattern == (-0.0 as Float).bitPattern {
                    negativeZeros = true
                } else if value.bitPattern != 0 {
                    removedAreZero = false
                }
            } else {
                throw InputError(source: file, problem: "mask of \(name) holds \(flag), not 0 or 1; not written")
            }
        }
        let layout = ParameterStorageLayout.smallest(
            shape: tensor.shape, kept: kept, negativeZeros: negativeZeros, compactPossible: removedAreZero)
        if layout == .dense {
            archive.setTensor(tensor, named: name)
            archive.setTensor(mask, named: maskPrefix + name, storedAs: .uint8)
            return layout
        }
        var keptValues: [Float] = []
        keptValues.reserveCapacity(kept)
        var signs = BitPacker(count: values.count - kept)
        for (value, flag) in zip(values, keep) {
            if flag == 1 {
                keptValues.append(value)
            } else {
                signs.append(value.sign == .minus)
            }
        }
        archive.setTensor(Tensor(shape: [kept], scalars: keptValues), named: partName(name, "values"))
        if negativeZeros { archive.setTensor(signs.tensor, named: partName(name, "negative_zeros"), storedAs: .uint8) }
        switch layout {
        case .bitmap:
            var bitmap = BitPacker(count: keep.count)
            for flag in keep { bitmap.append(flag == 1) }
            archive.setTensor(bitmap.tensor, named: partName(name, "bitmap"), storedAs: .uint8)
        case .csr:
            let view = CSRView(shape: tensor.shape)!  // the layout was sized from this view
            var offsets: [Int64] = [0]
            var indices: [Int64] = []
            offsets.reserveCapacity(view.rows + 1)
            indices.reserveCapacity(kept)
            for row in 0..<view.rows {
                for column in 0..<view.columns where keep[row * view.columns + column] == 1 {
                    indices.append(Int64(column))
                }
                offsets.append(Int64(indices.count))
            }
            archive.setIntegers(
                offsets, shape: [offsets.count], named: partName(name, "offsets"),
                storedAs: CSRView.offsetType(kept: kept))
            archive.setIntegers(indices, shape: [kept], named: partName(name, "indices"), storedAs: view.indexType)
        case .dense:
            break
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        archive.metadata[prefix + name] = String(
            decoding: try encoder.encode(Record(layout: layout, shape: tensor.shape)), as: UTF8.self)
        return layout
    }
}

/// Bits packed eight to a byte, least significant first, as the `U8` tensor the compact
/// layouts store.
struct BitPacker {
    private var bytes: [Float]
    private var position = 0

    /// A packer for `count` bits, all 0 until appended.
    init(count: Int) { bytes = [Float](repeating: 0, count: (count + 7) / 8) }

    /// Sets the next bit to `bit`.
    mutating func append(_ bit: Bool) {
        if bit { bytes[position / 8] += Float(1 << (position % 8)) }
        position += 1
    }

    /// The packed bytes as a one-dimensional tensor of byte values.
    var tensor: Tensor { Tensor(shape: [bytes.count], scalars: bytes) }
}
