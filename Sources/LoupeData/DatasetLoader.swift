import Foundation
import LoupeSupport

/// Loads datasets by name or path.
///
/// A spec is one of:
/// - `mnist-5k`: 5,000 MNIST digits embedded in Loupe (500 per class), split stratified.
/// - `fashion-mnist`: the 60,000/10,000 Fashion-MNIST files in ``fashionMNISTDirectory``
///   (`apt-get install -y dataset-fashion-mnist`).
/// - a directory of IDX files: `train-*`/`t10k-*` (or `test-*`) image and label pairs, or one
///   `*idx3-ubyte*` images file with one `*idx1-ubyte*` labels file, split stratified.
/// - a directory of `.npy` files or an `.npz` archive holding `x_train`, `y_train`, `x_test`,
///   `y_test`, or one pair `x`/`y` or `images`/`labels`, split stratified.
/// - a `.csv` (or `.csv.gz`) file: label, then pixels 0...255 per row; split stratified.
/// - a directory of class folders of JPEG and PNG files (``ImageFolder``): `train/<class>/*`
///   and `test/<class>/*`, or `<class>/*` split stratified.
///
/// Image arrays may be `[N, P]` (shape inferred as 1 x sqrt(P) x sqrt(P), or given),
/// `[N, H, W]` or `[N, C, H, W]`; bytes are scaled by 1/255 per batch, floats used as they are.
public enum DatasetLoader {
    /// The seed of the stratified split when none is given.
    public static let defaultSplitSeed: UInt64 = 20_240_917
    /// The most classes inferred from labels (max label + 1) when no class count is given.
    package static let maximumInferredClassCount = 1000
    /// Where `apt-get install -y dataset-fashion-mnist` puts Fashion-MNIST.
    public static let fashionMNISTDirectory = URL(
        fileURLWithPath: "/usr/share/datasets/fashion-mnist")

    /// Settings for ``load(_:options:)``.
    public struct Options: Sendable {
        /// The fraction of each class held out for testing when a source has no test part.
        public var testFraction: Double
        /// The seed of that stratified split.
        public var splitSeed: UInt64
        /// The number of classes; inferred from path datasets' labels when `nil`.
        public var classCount: Int?
        /// The image shape of flat (`[N, P]` or CSV) data; inferred when square and `nil`.
        public var imageShape: ImageShape?
        /// Size, channels and cache of an ``ImageFolder``.
        public var imageFolder: ImageFolder.Options

        public init(
            testFraction: Double = 0.2, splitSeed: UInt64 = DatasetLoader.defaultSplitSeed,
            classCount: Int? = nil, imageShape: ImageShape? = nil, imageFolder: ImageFolder.Options = .init()
        ) {
            self.testFraction = testFraction
            self.splitSeed = splitSeed
            self.classCount = classCount
            self.imageShape = imageShape
            self.imageFolder = imageFolder
        }
    }

    /// Loads the dataset named by `spec` (see ``DatasetLoader``) as train and test parts.
    ///
    /// - Throws: `InputError` naming the file and the problem.
    public static func load(_ spec: String, options: Options = Options()) throws -> DatasetSplits {
        guard options.testFraction > 0, options.testFraction < 1 else {
            throw InputError(
                source: spec, problem: "test fraction \(options.testFraction) must be between 0 and 1")
        }
        switch spec {
        case "mnist-5k":
            guard let directory = Bundle.module.url(forResource: "mnist-5k", withExtension: nil),
                let parts = try idxParts(in: directory)
            else { throw InputError(source: spec, problem: "embedded dataset resource is missing") }
            return try splits(parts, name: spec, classCount: 10, options: options)
        case "fashion-mnist":
            return try loadFashionMNIST(from: fashionMNISTDirectory, options: options)
        default:
            let url = URL(fileURLWithPath: spec)
            let name = url.lastPathComponent
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: spec, isDirectory: &isDirectory) else {
                throw InputError(
                    source: spec,
                    problem: "unknown dataset: not mnist-5k, fashion-mnist, or an existing file or directory")
            }
            let parts: Parts
            if isDirectory.boolValue {
                if let idx = try idxParts(in: url) {
                    parts = idx
                } else if ImageFolder.isImageFolder(url) {
                    return try imageFolderSplits(url, options: options)
                } else {
                    var sources: [URL] = []
                    func has(_ arrayName: String) -> Bool {
                        FileManager.default.fileExists(atPath: url.appendingPathComponent(arrayName + ".npy").path)
                    }
                    let arrays = try arrayParts(source: url, options: options, has: has) { arrayName in
                        let file = url.appendingPathComponent(arrayName + ".npy")
                        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
                        sources.append(file)
                        return (try NPYFile.read(file), file.lastPathComponent)
                    }
                    parts = arrays.withSources(sources)
                }
            } else if name.lowercased().hasSuffix(".npz") {
                var archive = try NPZArchive(contentsOf: url)
                let names = Set(archive.arrayNames)
                parts = try arrayParts(source: url, options: options, has: names.contains) { arrayName in
                    try archive.array(arrayName).map { ($0, "\(name) (\(arrayName).npy)") }
                }.withSources([url])
            } else if name.lowercased().hasSuffix(".csv") || name.lowercased().hasSuffix(".csv.gz") {
                parts = .single(try csvExamples(url, options: options))
            } else {
                throw InputError(
                    url, "unsupported dataset file; expected a directory, .csv, .csv.gz or .npz")
            }
            return try splits(parts, name: name, classCount: options.classCount, options: options)
        }
    }

    /// Loads the four Fashion-MNIST files in `directory`, saying how to install them when absent.
    static func loadFashionMNIST(from directory: URL, options: Options) throws -> DatasetSplits {
        for file in [
            "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
        ]
        where !FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path) {
            throw InputError(
                source: directory.appendingPathComponent(file).path,
                problem: "Fashion-MNIST is not installed; run `apt-get install -y dataset-fashion-mnist`")
        }
        guard let parts = try idxParts(in: directory) else {
            throw InputError(directory, "no IDX files")
        }
        return try splits(parts, name: "fashion-mnist", classCount: 10, options: options)
    }

    /// Images and labels read from one source, not yet checked against a class count.
    private struct Examples {
        enum Pixels {
            case bytes([UInt8])
            case floats([Float])

            var isBytes: Bool {
                if case .bytes = self { return true }
                return false
            }
            var kind: String { isBytes ? "bytes" : "floats" }
        }
        var shape: ImageShape
        var pixels: Pixels
        var labels: [Int64]
        var sources: [URL]
        var pixelFile: String
        var labelFile: String

        init(
            shape: ImageShape, pixels: Pixels, imageCount: Int, labels: [Int64], sources: [URL],
            pixelFile: String, labelFile: String
        ) throws {
            guard imageCount == labels.count else {
                throw InputError(
                    source: labelFile,
                    problem: "\(labels.count) labels but \(pixelFile) has \(imageCount) images")
            }
            (self.shape, self.pixels, self.labels, self.sources) = (shape, pixels, labels, sources)
            (self.pixelFile, self.labelFile) = (pixelFile, labelFile)
        }

        func dataset(name: String, classCount: Int) throws -> Dataset {
            switch pixels {
            case .bytes(let bytes):
                return try Dataset(
                    name: name, shape: shape, classCount: classCount, bytes: bytes, labels: labels,
                    sources: sources,
                    labelSource: labelFile)
            case .floats(let floats):
                return try Dataset(
                    name: name, shape: shape, classCount: classCount, floats: floats, labels: labels,
                    sources: sources,
                    pixelSource: pixelFile, labelSource: labelFile)
            }
        }
    }

    /// A source with its own test part, or one to be split.
    private enum Parts {
        case trainAndTest(Examples, Examples)
        case single(Examples)

        func withSources(_ sources: [URL]) -> Parts {
            func updated(_ examples: Examples) -> Examples {
                var examples = examples
                examples.sources = sources
                return examples
            }
            switch self {
            case .trainAndTest(let train, let test): return .trainAndTest(updated(train), updated(test))
            case .single(let all): return .single(updated(all))
            }
        }
    }

    /// The train and test parts of `parts`, refusing a source or a split with no images:
    /// every loaded dataset passes here, so none can train or evaluate on nothing.
    private static func splits(_ parts: Parts, name: String, classCount: Int?, options: Options)
        throws -> DatasetSplits
    {
        let result: DatasetSplits
        switch parts {
        case .trainAndTest(let train, let test):
            for part in [train, test] where part.labels.isEmpty {
                throw InputError(source: part.pixelFile, problem: "has no images")
            }
            guard test.shape == train.shape else {
                throw InputError(
                    source: test.pixelFile,
                    problem:
                        "images are \(test.shape) but \(train.pixelFile)'s are \(train.shape); both splits need one shape"
                )
            }
            guard test.pixels.isBytes == train.pixels.isBytes else {
                throw InputError(
                    source: test.pixelFile,
                    problem:
                        "pixels are \(test.pixels.kind) but \(train.pixelFile)'s are \(train.pixels.kind); bytes are scaled by 1/255 and floats are not, so both splits need one type"
                )
            }
            let classes = try classCount ?? inferredClassCount([train, test])
            result = DatasetSplits(
                train: try train.dataset(name: name + "/train", classCount: classes),
                test: try test.dataset(name: name + "/test", classCount: classes))
        case .single(let all):
            guard !all.labels.isEmpty else { throw InputError(source: all.pixelFile, problem: "has no images") }
            let dataset = try all.dataset(name: name, classCount: classCount ?? inferredClassCount([all]))
            result = DatasetSplits(
                stratifying: dataset, testFraction: options.testFraction, seed: options.splitSeed)
            for (part, count) in [("training", result.train.count), ("test", result.test.count)] where count == 0 {
                throw InputError(
                    source: name,
                    problem:
                        "splitting \(dataset.count) images with test fraction \(options.testFraction) leaves no \(part) images; add images or change the test fraction"
                )
            }
        }
        return result
    }

    private static func inferredClassCount(_ parts: [Examples]) throws -> Int {
        var classCount = 1
        for part in parts {
            guard let maximum = part.labels.max() else { continue }
            guard maximum < maximumInferredClassCount else {
                throw InputError(
                    source: part.labelFile,
                    problem:
                        "label \(maximum) implies more than \(maximumInferredClassCount) classes; give the class count"
                )
            }
            classCount = max(classCount, Int(maximum) + 1)
        }
        return classCount
    }

    // MARK: ImageFolder

    private static func imageFolderSplits(_ root: URL, options: Options) throws -> DatasetSplits {
        let loaded = try ImageFolder.load(root, options: options.imageFolder)
        var result: DatasetSplits
        if let test = loaded.test {
            result = DatasetSplits(train: loaded.train, test: test)
        } else {
            result = DatasetSplits(
                stratifying: loaded.train, testFraction: options.testFraction, seed: options.splitSeed)
            for (part, count) in [("training", result.train.count), ("test", result.test.count)] where count == 0 {
                throw InputError(
                    source: root.lastPathComponent,
                    problem:
                        "splitting \(loaded.train.count) images with test fraction \(options.testFraction) leaves no \(part) images; add images or change the test fraction"
                )
            }
        }
        if loaded.skippedFiles > 0 {
            result.notes.append(
                "\(root.path): skipped \(loaded.skippedFiles) file(s) in class folders that are hidden or not .jpg, .jpeg or .png"
            )
        }
        return result
    }

    // MARK: IDX

    /// The IDX image and label files in `directory`, or `nil` when it has none.
    private static func idxParts(in directory: URL) throws -> Parts? {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        func file(_ prefixes: [String], _ kind: String) throws -> String? {
            let matches = names.filter { name in name.contains(kind) && prefixes.contains { name.hasPrefix($0) } }
            guard matches.count <= 1 else {
                throw InputError(
                    directory,
                    "several \(prefixes[0]) \(kind) files (\(matches.map { EscapedText.quoted($0) }.joined(separator: ", "))); keep one"
                )
            }
            return matches.first
        }
        func read(_ images: String, _ labels: String) throws -> Examples {
            let imagesURL = directory.appendingPathComponent(images)
            let labelsURL = directory.appendingPathComponent(labels)
            let read = try IDXFile.readImages(imagesURL)
            return try Examples(
                shape: ImageShape(channels: 1, height: read.height, width: read.width),
                pixels: .bytes(read.pixels),
                imageCount: read.count, labels: try IDXFile.readLabels(labelsURL).map(Int64.init),
                sources: [imagesURL, labelsURL], pixelFile: images, labelFile: labels)
        }
        if let trainImages = try file(["train"], "idx3-ubyte"),
            let trainLabels = try file(["train"], "idx1-ubyte"),
            let testImages = try file(["t10k", "test"], "idx3-ubyte"),
            let testLabels = try file(["t10k", "test"], "idx1-ubyte")
        {
            return .trainAndTest(try read(trainImages, trainLabels), try read(testImages, testLabels))
        }
        let images = names.filter { $0.contains("idx3-ubyte") }
        let labels = names.filter { $0.contains("idx1-ubyte") }
        guard !images.isEmpty || !labels.isEmpty else { return nil }
        guard images.count == 1, labels.count == 1 else {
            throw InputError(
                directory,
                "expected train-/t10k- IDX pairs or one images/labels pair, found \(images.count) image and \(labels.count) label files"
            )
        }
        return .single(try read(images[0], labels[0]))
    }

    // MARK: NPY and NPZ

    /// Examples from named arrays; `array` returns an array and its name for errors, or `nil`.
    private static func arrayParts(
        source: URL, options: Options, has: (String) -> Bool,
        array: (String) throws -> (array: NPYArray, file: String)?
    ) throws -> Parts {
        let splitNames = ["x_train", "y_train", "x_test", "y_test"]
        let present = splitNames.filter(has)
        if !present.isEmpty, present.count < splitNames.count {
            throw InputError(
                source,
                "has \(present.joined(separator: ", ")) but not \(splitNames.filter { !has($0) }.joined(separator: ", ")); give all four or none"
            )
        }
        if let trainImages = try array("x_train"), let trainLabels = try array("y_train"),
            let testImages = try array("x_test"), let testLabels = try array("y_test")
        {
            return .trainAndTest(
                try arrayExamples(trainImages, trainLabels, options: options),
                try arrayExamples(testImages, testLabels, options: options))
        }
        for (imagesName, labelsName) in [("x", "y"), ("images", "labels")] {
            if let images = try array(imagesName), let labels = try array(labelsName) {
                return .single(try arrayExamples(images, labels, options: options))
            }
        }
        throw InputError(source, "no arrays named x/y, images/labels, or x_train/y_train/x_test/y_test")
    }

    private static func arrayExamples(
        _ images: (array: NPYArray, file: String), _ labels: (array: NPYArray, file: String),
        options: Options
    ) throws -> Examples {
        let labelValues: [Int64]
        switch labels.array.elements {
        case .uint8(let values): labelValues = values.map(Int64.init)
        case .int32(let values): labelValues = values.map(Int64.init)
        case .int64(let values): labelValues = values
        case .float32, .float64:
            throw InputError(
                source: labels.file,
                problem: "labels must be integers, got dtype \(labels.array.elements.descriptor)")
        }
        guard
            labels.array.shape.count == 1 || (labels.array.shape.count == 2 && labels.array.shape[1] == 1)
        else {
            throw InputError(
                source: labels.file, problem: "labels must have shape [N], got \(labels.array.shape)")
        }
        let dims = images.array.shape
        guard (2...4).contains(dims.count) else {
            throw InputError(
                source: images.file,
                problem: "images must have shape [N, P], [N, H, W] or [N, C, H, W], got \(dims)")
        }
        guard dims[0] > 0 else { throw InputError(source: images.file, problem: "no images") }
        guard let perImage = CheckedSize.product(dims.dropFirst()) else {
            throw InputError(source: images.file, problem: "image shape \(dims.dropFirst()) overflows")
        }
        let shape: ImageShape
        switch dims.count {
        case 2: shape = try flatShape(pixelCount: perImage, options: options, file: images.file)
        case 3: shape = ImageShape(channels: 1, height: dims[1], width: dims[2])
        default: shape = ImageShape(channels: dims[1], height: dims[2], width: dims[3])
        }
        let pixels: Examples.Pixels
        switch images.array.elements {
        case .uint8(let values): pixels = .bytes(values)
        case .float32(let values): pixels = .floats(values)
        case .float64(let values): pixels = .floats(values.map(Float.init))
        case .int32, .int64:
            throw InputError(
                source: images.file,
                problem:
                    "images must be uint8, float32 or float64, got dtype \(images.array.elements.descriptor)")
        }
        return try Examples(
            shape: shape, pixels: pixels, imageCount: dims[0], labels: labelValues, sources: [],
            pixelFile: images.file, labelFile: labels.file)
    }

    /// The shape of flat images: the given one, or a square single-channel one.
    private static func flatShape(pixelCount: Int, options: Options, file: String) throws
        -> ImageShape
    {
        if let shape = options.imageShape {
            guard CheckedSize.product([shape.channels, shape.height, shape.width]) == pixelCount else {
                throw InputError(
                    source: file, problem: "image shape \(shape) does not hold \(pixelCount) values per image")
            }
            return shape
        }
        guard let shape = ImageShape.square(pixelCount: pixelCount) else {
            throw InputError(
                source: file, problem: "\(pixelCount) values per image is not a square; give the image shape")
        }
        return shape
    }

    // MARK: CSV

    private static func csvExamples(_ url: URL, options: Options) throws -> Examples {
        let table = try CSVFile.read(url)
        let shape = try flatShape(
            pixelCount: table.pixelColumns, options: options, file: url.lastPathComponent)
        let pixels: Examples.Pixels =
            table.floatPixels.map { .floats($0) } ?? .bytes(table.bytePixels ?? [])
        return try Examples(
            shape: shape, pixels: pixels, imageCount: table.labels.count, labels: table.labels,
            sources: [url],
            pixelFile: url.lastPathComponent, labelFile: url.lastPathComponent)
    }
}
