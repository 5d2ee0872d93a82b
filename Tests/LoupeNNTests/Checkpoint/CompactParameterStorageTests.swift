import Foundation
import LoupeRandom
import LoupeSupport
import LoupeTensor
import XCTest

@testable import LoupeNN

/// Pruned parameters are stored compactly (bitmap or CSR, whichever is smaller), load back bit
/// for bit with their masks, and a file whose compact parts lie is refused with one line
/// naming the file and the tensor.
final class CompactParameterStorageTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-compact-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    private func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// A small cnn: conv1 [32, 1, 3, 3], conv2 [64, 32, 3, 3], fc1 [5, 256] (U8 columns),
    /// fc2 [3, 5].
    private func smallCNN() throws -> Model {
        try Model(architecture: .builtin("cnn", inputShape: [1, 8, 8], classes: 3, hiddenWidths: [5])!, seed: 11)
    }

    /// The weight tensors of `model` pruned at random to `sparsity`, as the pruning hooks leave
    /// them (weight times mask, so negative removed weights are -0.0), with some kept weights
    /// set to 0.0 and -0.0: the mask, not the value, says what is kept.
    private func pruned(_ model: Model, sparsity: Double, seed: UInt64 = 5) -> (Model, [String: Tensor]) {
        var model = model
        var generator = SeededGenerator(seed: seed)
        var masks: [String: Tensor] = [:]
        for name in model.parameterNames.sorted() where model.parameters[name]!.shape.count >= 2 {
            var weights = model.parameters[name]!
            let count = weights.count
            let kept = Int((Double(count) * (1 - sparsity)).rounded())
            var mask = [Float](repeating: 0, count: count)
            for position in generator.sample(kept, from: count) { mask[position] = 1 }
            let keptPositions = mask.indices.filter { mask[$0] == 1 }
            for (order, position) in keptPositions.prefix(4).enumerated() {
                weights.scalars[position] = order % 2 == 0 ? 0.0 : -0.0
            }
            for position in 0..<count { weights.scalars[position] *= mask[position] }
            model.parameters[name] = weights
            masks[name] = Tensor(shape: weights.shape, scalars: mask)
        }
        return (model, masks)
    }

    private func bits(_ tensor: Tensor?) -> [UInt32] { tensor?.scalars.map(\.bitPattern) ?? [] }

    private func assertSameBits(_ loaded: ModelCheckpoint, _ model: Model, _ masks: [String: Tensor], _ label: String) {
        XCTAssertEqual(Set(loaded.model.parameters.keys), Set(model.parameters.keys), label)
        for (name, tensor) in model.parameters {
            XCTAssertEqual(loaded.model.parameters[name]?.shape, tensor.shape, "\(label) \(name)")
            XCTAssertEqual(bits(loaded.model.parameters[name]), bits(tensor), "\(label) \(name)")
        }
        XCTAssertEqual(Set(loaded.masks.keys), Set(masks.keys), label)
        for (name, mask) in masks {
            XCTAssertEqual(loaded.masks[name]?.shape, mask.shape, "\(label) mask \(name)")
            XCTAssertEqual(bits(loaded.masks[name]), bits(mask), "\(label) mask \(name)")
        }
    }

    // MARK: Round trip

    func testPrunedCheckpointsRoundTripBitForBitAtEverySparsity() throws {
        for sparsity in [0, 0.5, 0.9, 0.99, 1] {
            let (model, masks) = pruned(try smallCNN(), sparsity: sparsity)
            let file = url("pruned-\(sparsity).safetensors")
            try ModelCheckpoint(model: model, epoch: 2, step: 9, dataset: "fixture", masks: masks).write(to: file)
            let loaded = try ModelCheckpoint(contentsOf: file)
            assertSameBits(loaded, model, masks, "sparsity \(sparsity)")
            XCTAssertEqual([loaded.epoch, loaded.step], [2, 9])

            let archive = try SafeTensorsArchive(contentsOf: file)
            XCTAssertEqual(archive.metadata["format"], ModelCheckpoint.compactFormatTag)
            for name in masks.keys {
                XCTAssertNil(archive[name], "\(name) is not stored dense at sparsity \(sparsity)")
                XCTAssertNil(archive["mask.\(name)"])
                XCTAssertNotNil(archive["sparse.\(name).values"])
            }
            // Kept zeros are stored as values; removed -0.0s are recorded.
            let keptZeros = masks.keys.map { name in
                zip(model.parameters[name]!.scalars, masks[name]!.scalars).filter { $0.0 == 0 && $0.1 == 1 }.count
            }
            if sparsity < 1 { XCTAssertGreaterThan(keptZeros.reduce(0, +), 0, "the fixture keeps zeros") }
            let removedNegativeZeros = masks.keys.contains { name in
                zip(model.parameters[name]!.scalars, masks[name]!.scalars).contains {
                    $0.0.bitPattern == (-0.0 as Float).bitPattern && $0.1 == 0
                }
            }
            XCTAssertEqual(
                masks.keys.contains { archive["sparse.\($0).negative_zeros"] != nil }, removedNegativeZeros,
                "sparsity \(sparsity)")
            if sparsity >= 0.5 { XCTAssertTrue(removedNegativeZeros, "the fixture has removed -0.0s") }
        }
    }

    /// Exact float bits of kept weights round-trip: subnormals, the extremes, -0.0.
    func testKeptValuesKeepTheirExactBits() throws {
        var model = try smallCNN()
        let special: [Float] = [
            -0.0, 0.0, .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude, -1 / 3,
        ]
        var weights = model.parameters["fc1.weight"]!
        var mask = [Float](repeating: 0, count: weights.count)
        for (offset, value) in special.enumerated() {
            weights.scalars[offset * 37] = value
            mask[offset * 37] = 1
        }
        for position in 0..<weights.count where mask[position] == 0 { weights.scalars[position] = 0 }
        model.parameters["fc1.weight"] = weights
        let masks = ["fc1.weight": Tensor(shape: weights.shape, scalars: mask)]
        let file = url("special.safetensors")
        try ModelCheckpoint(model: model, masks: masks).write(to: file)
        assertSameBits(try ModelCheckpoint(contentsOf: file), model, masks, "special values")
    }

    // MARK: Layout choice

    /// The layout follows the byte formulas, computed here independently: for [128, 3136] a
    /// bitmap costs 401408 / 8 + 4k bytes and CSR 129 * 4 + (2 + 4)k (I16 columns), so CSR
    /// wins below k = 24830 (6.2% density).
    func testTheSmallerLayoutIsChosen() {
        let shape = [128, 3136]
        for (density, expected) in [
            (0.05, ParameterStorageLayout.csr), (0.9, .bitmap), (0.061, .csr), (0.063, .bitmap),
        ] {
            let kept = Int(401408 * density)
            let bitmap = 401408 / 8 + 4 * kept
            let csr = 129 * 4 + 6 * kept
            XCTAssertEqual(
                ParameterStorageLayout.dataBytes(.bitmap, shape: shape, kept: kept, negativeZeros: false), bitmap)
            XCTAssertEqual(ParameterStorageLayout.dataBytes(.csr, shape: shape, kept: kept, negativeZeros: false), csr)
            XCTAssertEqual(
                ParameterStorageLayout.dataBytes(.dense, shape: shape, kept: kept, negativeZeros: false), 5 * 401408)
            XCTAssertEqual(bitmap < csr ? .bitmap : .csr, expected, "density \(density)")
            XCTAssertEqual(
                ParameterStorageLayout.smallest(shape: shape, kept: kept, negativeZeros: true), expected,
                "density \(density)")
        }
        // U8 columns (256 of them) and removed -0.0s: 5 of 1280 kept, 5 rows.
        XCTAssertEqual(
            ParameterStorageLayout.dataBytes(.csr, shape: [5, 256], kept: 5, negativeZeros: true),
            6 * 4 + 5 * 5 + (1280 - 5 + 7) / 8)
        XCTAssertEqual(
            ParameterStorageLayout.dataBytes(.bitmap, shape: [5, 256], kept: 5, negativeZeros: true),
            160 + 5 * 4 + (1280 - 5 + 7) / 8)
        XCTAssertEqual(ParameterStorageLayout.smallest(shape: [5, 256], kept: 5, negativeZeros: false), .csr)
        // A weight that is removed but not zero leaves only the dense layout.
        XCTAssertEqual(
            ParameterStorageLayout.smallest(shape: shape, kept: 10, negativeZeros: false, compactPossible: false),
            .dense)
        XCTAssertNil(ParameterStorageLayout.dataBytes(.bitmap, shape: [1 << 62, 8], kept: 1, negativeZeros: false))
    }

    /// The bytes written for each compact parameter are what `dataBytes` says, in the layout
    /// `smallest` picks, with the dtypes documented.
    func testTheFileHoldsTheBytesOfTheChosenLayout() throws {
        for sparsity in [0.5, 0.99] {
            let (model, masks) = pruned(try smallCNN(), sparsity: sparsity)
            let file = url("layout-\(sparsity).safetensors")
            try ModelCheckpoint(model: model, masks: masks).write(to: file)
            let archive = try SafeTensorsArchive(contentsOf: file)
            for (name, mask) in masks {
                let kept = mask.scalars.filter { $0 == 1 }.count
                let negativeZeros = archive["sparse.\(name).negative_zeros"] != nil
                let layout = ParameterStorageLayout.smallest(
                    shape: mask.shape, kept: kept, negativeZeros: negativeZeros)
                XCTAssertEqual(
                    archive.metadata["sparse.\(name)"],
                    "{\"layout\":\"\(layout.rawValue)\",\"shape\":[\(mask.shape.map(String.init).joined(separator: ","))]}"
                )
                let parts = archive.names.filter { $0.hasPrefix("sparse.\(name).") }
                let stored = parts.map { archive[$0]!.count * archive.storageTypes[$0]!.byteSize }.reduce(0, +)
                XCTAssertEqual(
                    stored,
                    ParameterStorageLayout.dataBytes(
                        layout, shape: mask.shape, kept: kept, negativeZeros: negativeZeros),
                    "\(name) at \(sparsity)")
                if layout == .csr {
                    let columns = mask.count / mask.shape[0]
                    XCTAssertEqual(archive.storageTypes["sparse.\(name).offsets"], .int32)
                    XCTAssertEqual(
                        archive.storageTypes["sparse.\(name).indices"], columns <= 256 ? .uint8 : .int16, name)
                }
            }
        }
        // At 50% the bitmap wins everywhere; at 99% CSR wins for conv2 (18432 weights, 184 kept:
        // 65 * 4 + 184 * 6 = 1364 bytes against 2304 + 736).
        let half = try SafeTensorsArchive(contentsOf: url("layout-0.5.safetensors"))
        XCTAssertNotNil(half["sparse.conv2.weight.bitmap"])
        let sparse = try SafeTensorsArchive(contentsOf: url("layout-0.99.safetensors"))
        XCTAssertEqual(sparse["sparse.conv2.weight.indices"]?.count, 184)
    }

    /// A pruned file is smaller than the dense one by about the kept fraction.
    func testThePrunedFileShrinksWithSparsity() throws {
        let dense = try smallCNN()
        try ModelCheckpoint(model: dense).write(to: url("dense.safetensors"))
        var sizes: [Int] = []
        for sparsity in [0.5, 0.9] {
            let (model, masks) = pruned(dense, sparsity: sparsity)
            try ModelCheckpoint(model: model, masks: masks).write(to: url("\(sparsity).safetensors"))
            sizes.append(try Data(contentsOf: url("\(sparsity).safetensors")).count)
        }
        let denseSize = try Data(contentsOf: url("dense.safetensors")).count
        XCTAssertLessThan(sizes[0], denseSize * 7 / 10)
        XCTAssertLessThan(sizes[1], denseSize * 3 / 10)
    }

    // MARK: Dense storage and old files

    /// A checkpoint written before compact storage (dense weights and `mask.` U8 tensors,
    /// format 1) still loads, for resuming old runs.
    func testOldDenseMaskFilesStillLoad() throws {
        let (model, masks) = pruned(try smallCNN(), sparsity: 0.7)
        var archive = SafeTensorsArchive(metadata: [
            "format": "loupe-checkpoint-1",
            "architecture": String(decoding: try JSONEncoder().encode(model.architecture), as: UTF8.self),
            "epoch": "3", "step": "12",
        ])
        for (name, tensor) in model.parameters { archive.setTensor(tensor, named: name) }
        for (name, mask) in masks { archive.setTensor(mask, named: "mask.\(name)", storedAs: .uint8) }
        try archive.write(to: url("old.safetensors"))
        let loaded = try ModelCheckpoint(contentsOf: url("old.safetensors"))
        assertSameBits(loaded, model, masks, "old file")
        XCTAssertEqual(loaded.epoch, 3)
    }

    /// Removed weights that are not zero cannot be left out: the parameter is stored dense
    /// with its `U8` mask, as before, and loads bit for bit; a file without a compact
    /// parameter keeps format 1.
    func testRemovedWeightsThatAreNotZeroAreStoredDense() throws {
        let model = try smallCNN()
        let weights = model.parameters["fc1.weight"]!
        let masks = ["fc1.weight": Tensor(shape: weights.shape, scalars: (0..<weights.count).map { Float($0 % 2) })]
        try ModelCheckpoint(model: model, masks: masks).write(to: url("dense-mask.safetensors"))
        let archive = try SafeTensorsArchive(contentsOf: url("dense-mask.safetensors"))
        XCTAssertEqual(archive.storageTypes["mask.fc1.weight"], .uint8)
        XCTAssertNotNil(archive["fc1.weight"])
        XCTAssertFalse(archive.names.contains { $0.hasPrefix("sparse.") })
        XCTAssertEqual(archive.metadata["format"], ModelCheckpoint.formatTag)
        assertSameBits(try ModelCheckpoint(contentsOf: url("dense-mask.safetensors")), model, masks, "dense mask")
    }

    func testMasksThatDoNotFitAreNotWritten() throws {
        let model = try smallCNN()
        let file = url("bad-mask.safetensors")
        let cases: [(String, Tensor, String)] = [
            ("fc1.weight", Tensor(repeating: 1, shape: [5, 255]), "mask of fc1.weight has shape [5, 255]"),
            ("fc1.weight", Tensor(repeating: 0.5, shape: [5, 256]), "mask of fc1.weight holds 0.5, not 0 or 1"),
            ("fc9.weight", Tensor(repeating: 1, shape: [5, 256]), "a mask names fc9.weight, which is no parameter"),
        ]
        for (name, mask, problem) in cases {
            XCTAssertThrowsError(try ModelCheckpoint(model: model, masks: [name: mask]).write(to: file)) { error in
                XCTAssertTrue(error is InputError, "\(error)")
                XCTAssertTrue("\(error)".hasPrefix(file.path + ": " + problem), "\(error)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: file.path))
        }
    }

    // MARK: Untrusted files

    /// A compact checkpoint with conv2 in CSR (99% sparse) and fc1 as a bitmap (50%).
    private func compactFile() throws -> (URL, SafeTensorsArchive) {
        var (model, masks) = pruned(try smallCNN(), sparsity: 0.99)
        let (half, halfMasks) = pruned(try smallCNN(), sparsity: 0.5, seed: 9)
        model.parameters["fc1.weight"] = half.parameters["fc1.weight"]
        masks["fc1.weight"] = halfMasks["fc1.weight"]
        let file = url("compact.safetensors")
        try ModelCheckpoint(model: model, masks: masks).write(to: file)
        let archive = try SafeTensorsArchive(contentsOf: file)
        XCTAssertEqual(archive.metadata["sparse.conv2.weight"]?.contains("csr"), true)
        XCTAssertEqual(archive.metadata["sparse.fc1.weight"]?.contains("bitmap"), true)
        XCTAssertNotNil(archive["sparse.fc1.weight.negative_zeros"])
        return (file, archive)
    }

    /// Each lie is refused with an `InputError` naming the file and the tensor or metadata
    /// entry, never a trap or an allocation sized by the lie.
    func testLyingCompactPartsAreRefused() throws {
        let (_, original) = try compactFile()
        let offsets = original.integers(named: "sparse.conv2.weight.offsets")!
        let indices = original.integers(named: "sparse.conv2.weight.indices")!
        let values = original["sparse.conv2.weight.values"]!.scalars
        let bitmap = original["sparse.fc1.weight.bitmap"]!.scalars
        let busyRow = (0..<64).first { offsets[$0 + 1] - offsets[$0] >= 2 }!
        let firstEntry = Int(offsets[busyRow])
        func edited(_ edit: (inout [Int64]) -> Void) -> [Int64] {
            var copy = offsets
            edit(&copy)
            return copy
        }
        let cases: [(String, String, (inout SafeTensorsArchive) -> Void)] = [
            (
                "offset past the values", "tensor sparse.conv2.weight.offsets must run from 0",
                {
                    $0.setIntegers(
                        edited { $0[64] += 1 }, shape: [65], named: "sparse.conv2.weight.offsets", storedAs: .int32)
                }
            ),
            (
                "negative first offset", "tensor sparse.conv2.weight.offsets must run from 0",
                {
                    $0.setIntegers(
                        edited { $0[0] = -1 }, shape: [65], named: "sparse.conv2.weight.offsets", storedAs: .int32)
                }
            ),
            (
                "decreasing offsets", "tensor sparse.conv2.weight.offsets decreases at row",
                {
                    $0.setIntegers(
                        edited { $0[busyRow + 1] = $0[64] + 5 }, shape: [65], named: "sparse.conv2.weight.offsets",
                        storedAs: .int64)
                }
            ),
            (
                "too few offsets", "tensor sparse.conv2.weight.offsets has 64 entries, 64 rows need 65",
                {
                    $0.setIntegers(
                        Array(offsets.dropLast()), shape: [64], named: "sparse.conv2.weight.offsets", storedAs: .int32)
                }
            ),
            (
                "column out of range", "tensor sparse.conv2.weight.indices entry \(firstEntry + 1): column 288",
                {
                    var copy = indices
                    copy[firstEntry + 1] = 288
                    $0.setIntegers(copy, shape: [copy.count], named: "sparse.conv2.weight.indices", storedAs: .int16)
                }
            ),
            (
                "huge column", "tensor sparse.conv2.weight.indices entry \(firstEntry + 1): column 1099511627776",
                {
                    var copy = indices
                    copy[firstEntry + 1] = 1 << 40
                    $0.setIntegers(copy, shape: [copy.count], named: "sparse.conv2.weight.indices", storedAs: .int64)
                }
            ),
            (
                "repeated column", "tensor sparse.conv2.weight.indices entry \(firstEntry + 1)",
                {
                    var copy = indices
                    copy[firstEntry + 1] = copy[firstEntry]
                    $0.setIntegers(copy, shape: [copy.count], named: "sparse.conv2.weight.indices", storedAs: .int16)
                }
            ),
            (
                "indices not matching the values",
                "tensor sparse.conv2.weight.indices has \(indices.count - 1) entries",
                {
                    $0.setIntegers(
                        Array(indices.dropLast()), shape: [indices.count - 1], named: "sparse.conv2.weight.indices",
                        storedAs: .int16)
                }
            ),
            (
                "float indices", "tensor sparse.conv2.weight.indices is F32",
                { $0.setTensor($0["sparse.conv2.weight.indices"]!, named: "sparse.conv2.weight.indices") }
            ),
            (
                "bitmap keeping fewer than the values", "tensor sparse.fc1.weight.bitmap keeps",
                {
                    var copy = bitmap
                    copy[copy.firstIndex { $0 != 0 }!] = 0
                    $0.setTensor(
                        Tensor(shape: [160], scalars: copy), named: "sparse.fc1.weight.bitmap", storedAs: .uint8)
                }
            ),
            (
                "bitmap keeping more than the values", "tensor sparse.fc1.weight.bitmap keeps more weights",
                {
                    $0.setTensor(
                        Tensor(repeating: 255, shape: [160]), named: "sparse.fc1.weight.bitmap", storedAs: .uint8)
                }
            ),
            (
                "short bitmap", "tensor sparse.fc1.weight.bitmap has 159 bytes, 1280 bits need 160",
                {
                    $0.setTensor(
                        Tensor(shape: [159], scalars: Array(bitmap.dropLast())), named: "sparse.fc1.weight.bitmap",
                        storedAs: .uint8)
                }
            ),
            (
                "values not finite", "tensor sparse.conv2.weight.values contains NaN or infinity",
                {
                    var copy = values
                    copy[0] = .nan
                    $0.setTensor(Tensor(shape: [copy.count], scalars: copy), named: "sparse.conv2.weight.values")
                }
            ),
            (
                "values as F16", "tensor sparse.conv2.weight.values is F16, expected F32",
                {
                    $0.setTensor(
                        $0["sparse.conv2.weight.values"]!, named: "sparse.conv2.weight.values", storedAs: .float16)
                }
            ),
            (
                "values not one-dimensional", "tensor sparse.conv2.weight.values has shape [1, 184]",
                {
                    $0.setTensor(Tensor(shape: [1, 184], scalars: values), named: "sparse.conv2.weight.values")
                }
            ),
            (
                "missing values", "tensor sparse.conv2.weight.values is missing for compact parameter conv2.weight",
                { $0.removeTensor(named: "sparse.conv2.weight.values") }
            ),
            (
                "sign bits of the wrong length", "tensor sparse.fc1.weight.negative_zeros has 1 bytes",
                {
                    $0.setTensor(
                        Tensor(shape: [1], scalars: [1]), named: "sparse.fc1.weight.negative_zeros", storedAs: .uint8)
                }
            ),
            (
                "shape overflowing", "metadata 'sparse.conv2.weight' gives shape [4611686018427387904, 8]",
                { $0.metadata["sparse.conv2.weight"] = #"{"layout":"csr","shape":[4611686018427387904,8]}"# }
            ),
            (
                "shape of another parameter", "metadata 'sparse.conv2.weight' gives shape [64, 288]",
                { $0.metadata["sparse.conv2.weight"] = #"{"layout":"csr","shape":[64,288]}"# }
            ),
            (
                "unknown layout", "metadata 'sparse.conv2.weight' is not {",
                { $0.metadata["sparse.conv2.weight"] = #"{"layout":"coo","shape":[64,32,3,3]}"# }
            ),
            (
                "dense layout", "metadata 'sparse.conv2.weight' gives layout dense",
                { $0.metadata["sparse.conv2.weight"] = #"{"layout":"dense","shape":[64,32,3,3]}"# }
            ),
            (
                "no such parameter", "metadata 'sparse.conv9.weight' names no parameter",
                { $0.metadata["sparse.conv9.weight"] = #"{"layout":"csr","shape":[64,32,3,3]}"# }
            ),
            (
                "stray part", "tensor sparse.conv2.weight.bitmap belongs to no compact parameter",
                {
                    $0.setTensor(
                        Tensor(repeating: 0, shape: [2304]), named: "sparse.conv2.weight.bitmap", storedAs: .uint8)
                }
            ),
            (
                "stored twice", "parameter conv2.weight is stored both dense and compact",
                { $0.setTensor(Tensor(repeating: 0, shape: [64, 32, 3, 3]), named: "conv2.weight") }
            ),
        ]
        for (label, problem, edit) in cases {
            var archive = original
            edit(&archive)
            let file = url("lie.safetensors")
            try archive.write(to: file)
            XCTAssertThrowsError(try ModelCheckpoint(contentsOf: file), label) { error in
                XCTAssertTrue(error is InputError, "\(label): \(error)")
                XCTAssertTrue("\(error)".hasPrefix(file.path + ": " + problem), "\(label): \(error)")
            }
        }
    }

    /// Padding bits past the last mask bit must be 0: otherwise two files would say the same.
    func testSetPaddingBitsAreRefused() throws {
        var model = try Model(
            architecture: .builtin("mlp", inputShape: [1, 3, 1], classes: 3, hiddenWidths: [3])!, seed: 2)
        var weights = model.parameters["fc1.weight"]!  // [3, 3]: 9 bits, 2 bytes
        weights.scalars = weights.scalars.enumerated().map { $0.offset < 7 ? $0.element : 0 }
        model.parameters["fc1.weight"] = weights
        let mask = Tensor(shape: [3, 3], scalars: (0..<9).map { $0 < 7 ? 1 : 0 })
        let file = url("padding.safetensors")
        try ModelCheckpoint(model: model, masks: ["fc1.weight": mask]).write(to: file)
        var archive = try SafeTensorsArchive(contentsOf: file)
        XCTAssertEqual(archive["sparse.fc1.weight.bitmap"]?.scalars, [127, 0])
        assertSameBits(try ModelCheckpoint(contentsOf: file), model, ["fc1.weight": mask], "mlp")
        archive.setTensor(Tensor(shape: [2], scalars: [127, 2]), named: "sparse.fc1.weight.bitmap", storedAs: .uint8)
        try archive.write(to: file)
        XCTAssertThrowsError(try ModelCheckpoint(contentsOf: file)) { error in
            XCTAssertEqual("\(error)", file.path + ": tensor sparse.fc1.weight.bitmap sets padding bits past bit 9")
        }
    }
}
