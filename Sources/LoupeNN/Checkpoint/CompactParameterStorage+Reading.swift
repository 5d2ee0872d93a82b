import Foundation
import LoupeSupport
import LoupeTensor

extension CompactParameterStorage {
    /// The parameters stored compactly in `archive` (those with a `sparse.<name>` metadata
    /// entry), rebuilt dense with their masks: removed weights zero (`-0.0` where
    /// `negative_zeros` says so), kept values bit for bit.
    ///
    /// The file is not trusted: each entry must name a parameter of `shapes` (the
    /// architecture's) with its shape, the parameter must not also be stored dense, every part
    /// must be present, one-dimensional and of its dtype, the bitmap's and the sign bits' byte
    /// counts must fit, padding bits must be 0, offsets must start at 0, never decrease and end
    /// at the number of values, column indices must ascend within a row and lie in the
    /// view's columns, counts must match the number of values, values must be finite, and
    /// every `sparse.` tensor must belong to an entry. Nothing is sized by the file's numbers
    /// before they are checked; dense tensors are sized by `shapes`.
    ///
    /// - Throws: An `InputError` naming `file`, the tensor or metadata entry and the problem.
    package static func load(
        from archive: SafeTensorsArchive, shapes: [String: [Int]], file: String
    ) throws -> (parameters: [String: Tensor], masks: [String: Tensor]) {
        var parameters: [String: Tensor] = [:]
        var masks: [String: Tensor] = [:]
        var used = Set<String>()
        let decoder = JSONDecoder()
        for key in archive.metadata.keys.sorted() where key.hasPrefix(prefix) {
            func fail(_ problem: String) -> InputError { InputError(source: file, problem: problem) }
            let name = String(key.dropFirst(prefix.count))
            guard let shape = shapes[name] else {
                throw fail("metadata '\(key)' names no parameter of the architecture")
            }
            let record: Record
            do { record = try decoder.decode(Record.self, from: Data(archive.metadata[key]!.utf8)) } catch {
                throw fail(
                    "metadata '\(key)' is not {\"layout\": \"bitmap\" or \"csr\", \"shape\": [...]}: \(String(archive.metadata[key]!.prefix(80)).debugDescription)"
                )
            }
            guard record.layout != .dense else { throw fail("metadata '\(key)' gives layout dense, not bitmap or csr") }
            guard record.shape == shape else {
                throw fail("metadata '\(key)' gives shape \(record.shape), the architecture needs \(shape)")
            }
            guard archive[name] == nil, archive[maskPrefix + name] == nil else {
                throw fail("parameter \(name) is stored both dense and compact")
            }
            guard let count = CheckedSize.product(shape) else {
                throw fail("metadata '\(key)': shape \(shape) overflows")
            }
            var reader = PartReader(archive: archive, name: name, file: file)
            let values = try reader.values()
            var dense = [Float](repeating: 0, count: count)
            var mask = [Float](repeating: 0, count: count)
            switch record.layout {
            case .bitmap:
                let (part, bits) = try reader.bytes("bitmap", bits: count)!
                var next = 0
                for position in 0..<count where bits[position / 8] & (1 << (position % 8)) != 0 {
                    guard next < values.count else {
                        throw fail("tensor \(part) keeps more weights than the \(values.count) values")
                    }
                    (dense[position], mask[position]) = (values[next], 1)
                    next += 1
                }
                guard next == values.count else {
                    throw fail("tensor \(part) keeps \(next) weights but there are \(values.count) values")
                }
            case .csr:
                let view = CSRView(shape: shape)!  // the shape's product did not overflow
                let (offsetPart, offsets) = try reader.integers("offsets")
                let (indexPart, indices) = try reader.integers("indices")
                guard offsets.count == view.rows + 1 else {
                    throw fail(
                        "tensor \(offsetPart) has \(offsets.count) entries, \(view.rows) rows need \(view.rows + 1)")
                }
                guard indices.count == values.count else {
                    throw fail("tensor \(indexPart) has \(indices.count) entries but there are \(values.count) values")
                }
                guard offsets.first == 0, offsets.last == Int64(values.count) else {
                    throw fail(
                        "tensor \(offsetPart) must run from 0 to the \(values.count) values, runs from \(offsets.first!) to \(offsets.last!)"
                    )
                }
                for row in 0..<view.rows where offsets[row] > offsets[row + 1] {
                    throw fail("tensor \(offsetPart) decreases at row \(row): \(offsets[row]) then \(offsets[row + 1])")
                }
                for row in 0..<view.rows {
                    var previous: Int64 = -1
                    // Offsets are now known to lie in 0...values.count.
                    for entry in Int(offsets[row])..<Int(offsets[row + 1]) {
                        let column = indices[entry]
                        guard column > previous, column < Int64(view.columns) else {
                            throw fail(
                                "tensor \(indexPart) entry \(entry): column \(column) in row \(row) is \(column <= previous ? "not above the previous \(previous)" : "outside 0..<\(view.columns)")"
                            )
                        }
                        previous = column
                        let position = row * view.columns + Int(column)  // < count
                        (dense[position], mask[position]) = (values[entry], 1)
                    }
                }
            case .dense:
                break
            }
            // Both layouts have kept at most `count` positions, one per value.
            if let (_, signs) = try reader.bytes("negative_zeros", bits: count - values.count, optional: true) {
                var removed = 0
                for position in 0..<count where mask[position] == 0 {
                    if signs[removed / 8] & (1 << (removed % 8)) != 0 { dense[position] = -0.0 }
                    removed += 1
                }
            }
            parameters[name] = Tensor(shape: shape, scalars: dense)
            masks[name] = Tensor(shape: shape, scalars: mask)
            used.formUnion(reader.used)
        }
        for name in archive.names where name.hasPrefix(prefix) && !used.contains(name) {
            throw InputError(source: file, problem: "tensor \(name) belongs to no compact parameter in the metadata")
        }
        return (parameters, masks)
    }
}

/// Reads and checks the parts of one compact parameter.
private struct PartReader {
    let archive: SafeTensorsArchive
    let name: String
    let file: String
    /// The parts read so far.
    private(set) var used: [String] = []

    init(archive: SafeTensorsArchive, name: String, file: String) {
        (self.archive, self.name, self.file) = (archive, name, file)
    }

    /// Part `part`'s name and tensor, which must be one-dimensional and stored as one of
    /// `dtypes`; nil when it is absent and `optional`.
    private mutating func tensor(
        _ part: String, dtypes: (SafeTensorsDType) -> Bool, expected: String, optional: Bool = false
    ) throws -> (String, Tensor)? {
        let full = CompactParameterStorage.partName(name, part)
        guard let tensor = archive[full] else {
            if optional { return nil }
            throw InputError(source: file, problem: "tensor \(full) is missing for compact parameter \(name)")
        }
        let dtype = archive.storageTypes[full]!
        guard dtypes(dtype) else {
            throw InputError(source: file, problem: "tensor \(full) is \(dtype.rawValue), expected \(expected)")
        }
        guard tensor.shape.count == 1 else {
            throw InputError(source: file, problem: "tensor \(full) has shape \(tensor.shape), expected one dimension")
        }
        used.append(full)
        return (full, tensor)
    }

    /// The kept values: `F32`, finite.
    mutating func values() throws -> [Float] {
        let (full, tensor) = try tensor("values", dtypes: { $0 == .float32 }, expected: "F32")!
        guard tensor.scalars.allSatisfy(\.isFinite) else {
            throw InputError(source: file, problem: "tensor \(full) contains NaN or infinity")
        }
        return tensor.scalars
    }

    /// A `U8` bit string holding `bits` bits, its padding bits 0.
    mutating func bytes(_ part: String, bits: Int, optional: Bool = false) throws -> (String, [UInt8])? {
        guard let (full, tensor) = try tensor(part, dtypes: { $0 == .uint8 }, expected: "U8", optional: optional) else {
            return nil
        }
        let needed = bits / 8 + (bits % 8 == 0 ? 0 : 1)
        guard tensor.count == needed else {
            throw InputError(
                source: file, problem: "tensor \(full) has \(tensor.count) bytes, \(bits) bits need \(needed)")
        }
        let bytes = tensor.scalars.map { UInt8($0) }  // U8 values read as 0...255
        if bits % 8 != 0, bytes[needed - 1] >> (bits % 8) != 0 {
            throw InputError(source: file, problem: "tensor \(full) sets padding bits past bit \(bits)")
        }
        return (full, bytes)
    }

    /// An integer part (any integer dtype but `BOOL`), exactly.
    mutating func integers(_ part: String) throws -> (String, [Int64]) {
        let (full, _) = try tensor(
            part, dtypes: { $0.isInteger && $0 != .bool }, expected: "an integer dtype (U8, I8, I16, I32, I64)")!
        return (full, archive.integers(named: full)!)
    }
}
