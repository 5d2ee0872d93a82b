import Foundation
import LoupeRandom
import LoupeSupport
import LoupeTensor

/// A labelled image classification dataset, or a subset of one.
///
/// Pixels stay in their source precision: bytes (`UInt8`, converted to `pixel / 255` per
/// batch, so 60,000 28x28 images need 47 MB) or `Float` values used as they are. Subsets
/// share the source's pixel storage.
///
/// Every example carries a stable id, its index in the source file, through every subset;
/// audit outputs are keyed by it.
public struct Dataset: Sendable {
    /// A human-readable name, for example `mnist-5k/train`.
    public let name: String
    /// The shape of each image.
    public let shape: ImageShape
    /// Number of classes; every label is in `0..<classCount`.
    public let classCount: Int
    /// The stable id of each example: its index in the source file.
    public let ids: [Int]
    /// The class of each example.
    public private(set) var labels: [Int32]
    /// The files the examples were read from (and any file that changed them, such as a
    /// label-override file), for hashing in a run manifest.
    public internal(set) var sources: [URL]
    /// The name of each class (index = label) when the source names them, as an ImageFolder's
    /// folder names do; `nil` for sources with bare labels.
    public private(set) var classNames: [String]?
    /// Each example's file relative to the dataset's root (`train/cat/0001.jpg`) when every
    /// example is a file of its own, as in an ImageFolder; `nil` otherwise.
    public private(set) var paths: [String]?
    /// The ImageFolder the examples were decoded from, and the hash of its decoded content,
    /// for a run manifest; `nil` for other sources.
    public internal(set) var imageFolder: ImageFolderDigest?

    private let pixels: PixelStorage
    /// The image index in `pixels` of each example.
    private let rows: [Int]

    private enum PixelStorage: Sendable {
        case bytes([UInt8])
        case floats([Float])
    }

    /// Number of examples.
    public var count: Int { ids.count }

    /// Creates a dataset of byte images (`shape.pixelCount` bytes per image, image after
    /// image) whose ids are their indices.
    ///
    /// - Throws: `InputError` naming `labelSource` when a label is outside `0..<classCount`,
    ///   or naming `name` when the pixel and label counts disagree.
    public init(
        name: String, shape: ImageShape, classCount: Int, bytes: [UInt8], labels: [Int64],
        sources: [URL] = [], labelSource: String? = nil
    ) throws {
        try self.init(
            name: name, shape: shape, classCount: classCount, pixels: .bytes(bytes),
            pixelCount: bytes.count,
            labels: labels, sources: sources, labelSource: labelSource)
    }

    /// Creates a dataset of byte images whose classes have names (`classNames.count` classes)
    /// and whose examples are files (`paths[i]` the file of example `i`, relative to the root).
    ///
    /// - Throws: `InputError` as the other initialisers do, and when `paths` does not have one
    ///   entry per label.
    public init(
        name: String, shape: ImageShape, classNames: [String], bytes: [UInt8], labels: [Int64], paths: [String],
        sources: [URL] = []
    ) throws {
        guard paths.count == labels.count else {
            throw InputError(source: name, problem: "\(paths.count) paths for \(labels.count) examples")
        }
        try self.init(
            name: name, shape: shape, classCount: classNames.count, pixels: .bytes(bytes), pixelCount: bytes.count,
            labels: labels, sources: sources, labelSource: nil, classNames: classNames, paths: paths)
    }

    /// Creates a dataset of `Float` images (used as they are, not divided by 255) whose ids
    /// are their indices.
    ///
    /// - Throws: `InputError` for a non-finite pixel, a label outside `0..<classCount`, or
    ///   pixel and label counts that disagree.
    public init(
        name: String, shape: ImageShape, classCount: Int, floats: [Float], labels: [Int64],
        sources: [URL] = [], pixelSource: String? = nil, labelSource: String? = nil
    ) throws {
        if let bad = floats.firstIndex(where: { !$0.isFinite }) {
            throw InputError(
                source: pixelSource ?? name,
                problem:
                    "non-finite pixel value \(floats[bad]) in image \(bad / max(CheckedSize.product([shape.channels, shape.height, shape.width]) ?? 1, 1))"
            )
        }
        try self.init(
            name: name, shape: shape, classCount: classCount, pixels: .floats(floats),
            pixelCount: floats.count,
            labels: labels, sources: sources, labelSource: labelSource)
    }

    private init(
        name: String, shape: ImageShape, classCount: Int, pixels: PixelStorage, pixelCount: Int,
        labels: [Int64],
        sources: [URL], labelSource: String?, classNames: [String]? = nil, paths: [String]? = nil
    ) throws {
        guard (1...Int(Int32.max)).contains(classCount) else {
            throw InputError(source: name, problem: "class count \(classCount) must be positive")
        }
        guard shape.channels > 0, shape.height > 0, shape.width > 0 else {
            throw InputError(source: name, problem: "image shape \(shape) has an empty dimension")
        }
        guard let perImage = CheckedSize.product([shape.channels, shape.height, shape.width]) else {
            throw InputError(source: name, problem: "image shape \(shape) overflows")
        }
        guard pixelCount == CheckedSize.product(labels.count, perImage) else {
            throw InputError(
                source: name,
                problem:
                    "\(labels.count) labels but \(Double(pixelCount) / Double(perImage)) images of \(shape)"
            )
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= classCount }) {
            throw InputError(
                source: labelSource ?? name,
                problem: "label \(labels[bad]) of example \(bad) is outside 0..<\(classCount)")
        }
        self.name = name
        self.shape = shape
        self.classCount = classCount
        self.ids = Array(0..<labels.count)
        self.rows = ids
        self.labels = labels.map { Int32($0) }
        self.sources = sources
        self.pixels = pixels
        self.classNames = classNames
        self.paths = paths
    }

    /// The examples at `positions` of `dataset`, with their ids or the given ones.
    private init(renaming dataset: Dataset, name: String, positions: [Int], ids: [Int]? = nil) {
        self.name = name
        self.shape = dataset.shape
        self.classCount = dataset.classCount
        self.ids = ids ?? positions.map { dataset.ids[$0] }
        self.rows = positions.map { dataset.rows[$0] }
        self.labels = positions.map { dataset.labels[$0] }
        self.sources = dataset.sources
        self.pixels = dataset.pixels
        self.classNames = dataset.classNames
        self.paths = dataset.paths.map { paths in positions.map { paths[$0] } }
        self.imageFolder = dataset.imageFolder
    }

    /// The same examples with other labels (for example, deliberately noisy ones); ids and
    /// pixels are unchanged.
    public func relabeled(_ newLabels: [Int32]) -> Dataset {
        precondition(newLabels.count == count, "\(newLabels.count) labels for \(count) examples")
        precondition(newLabels.allSatisfy { $0 >= 0 && Int($0) < classCount }, "label outside 0..<\(classCount)")
        var copy = Dataset(renaming: self, name: name, positions: Array(0..<count))
        copy.labels = newLabels
        return copy
    }

    /// The same examples (ids, labels, sources) with new `Float` pixels, `shape.pixelCount`
    /// values per example in this dataset's order, used as they are.
    ///
    /// - Throws: `InputError` for a non-finite pixel or a pixel count that does not match.
    public func replacingPixels(floats: [Float], name: String? = nil) throws -> Dataset {
        var replaced = try Dataset(
            name: name ?? self.name, shape: shape, classCount: classCount, floats: floats,
            labels: labels.map(Int64.init), sources: sources)
        (replaced.paths, replaced.classNames, replaced.imageFolder) = (paths, classNames, imageFolder)
        return Dataset(renaming: replaced, name: replaced.name, positions: Array(0..<count), ids: ids)
    }

    /// The examples at `positions` (indices into this dataset, `0..<count`), keeping their ids.
    public func subset(_ positions: [Int], name: String? = nil) -> Dataset {
        Dataset(renaming: self, name: name ?? self.name, positions: positions)
    }

    /// The images at `positions` as a `[positions.count, C, H, W]` tensor; byte pixels are
    /// divided by 255.
    public func images(at positions: [Int]) -> Tensor {
        let size = shape.pixelCount
        return Tensor(shape: [positions.count, shape.channels, shape.height, shape.width]) { output in
            switch pixels {
            case .bytes(let bytes):
                bytes.withUnsafeBufferPointer { input in
                    // Gather the (randomly placed) images first: plain copies keep many cache
                    // misses in flight, where the converting loop would wait on each in turn.
                    ScratchMemory.withBytes(positions.count * size) { scratch in
                        let gathered = scratch.bindMemory(to: UInt8.self, capacity: positions.count * size)
                        for (slot, position) in positions.enumerated() {
                            (gathered + slot * size).initialize(
                                from: input.baseAddress! + rows[position] * size, count: size)
                        }
                        Dataset.convert(gathered, count: positions.count * size, into: output.baseAddress!)
                    }
                }
            case .floats(let floats):
                floats.withUnsafeBufferPointer { input in
                    for (slot, position) in positions.enumerated() {
                        (output.baseAddress! + slot * size)
                            .initialize(from: input.baseAddress! + rows[position] * size, count: size)
                    }
                }
            }
        }
    }

    /// Writes `Float(byte) / 255` for `count` bytes: a plain loop the compiler vectorises
    /// (the division is correctly rounded in every lane, as in scalar code).
    private static func convert(_ bytes: UnsafePointer<UInt8>, count: Int, into output: UnsafeMutablePointer<Float>) {
        for index in 0..<count { output[index] = Float(bytes[index]) / 255 }
    }

    /// The name of class `label`: its folder name when the source names classes, else the
    /// label's number.
    public func className(of label: Int32) -> String {
        classNames.map { $0[Int(label)] } ?? String(label)
    }

    /// The labels at `positions`.
    public func labels(at positions: [Int]) -> [Int32] {
        positions.map { labels[$0] }
    }

    /// Positions `0..<count` grouped into batches of `batchSize` (the last one may be
    /// smaller), in order or shuffled with `generator` (Fisher-Yates, so the order depends
    /// only on the generator's state).
    public func batchOrder(batchSize: Int, shuffle: Bool, generator: inout SeededGenerator) -> [[Int]] {
        precondition(batchSize > 0, "batch size must be positive")
        var order = Array(0..<count)
        if shuffle { order.fisherYatesShuffle(using: &generator) }
        return stride(from: 0, to: count, by: batchSize).map {
            Array(order[$0..<min($0 + batchSize, count)])
        }
    }
}
