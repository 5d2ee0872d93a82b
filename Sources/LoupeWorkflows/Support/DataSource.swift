import Foundation
import LoupeData
import LoupeSupport

/// The data a workflow reads: a dataset by name or path, split, with corrected labels (a
/// label-override file) and the changes made to its training split on purpose (label noise,
/// an undersampled class).
public struct DataSource: Sendable, Equatable {
    /// `mnist-5k` (embedded), `fashion-mnist`, or a path (IDX or NPY directory, NPZ, CSV).
    public var data: String
    /// Fraction of each class held out for testing when the data has no test split.
    public var testFraction = 0.2
    /// Seed of the stratified train/test split, when the data has no test split.
    public var splitSeed = DatasetLoader.defaultSplitSeed
    /// Fraction of training labels flipped to another class, uniformly.
    public var labelNoise = 0.0
    /// Seed of ``labelNoise`` and ``undersample``.
    public var noiseSeed: UInt64 = 0
    /// `C:F`: keep only fraction F of training class C.
    public var undersample: String?
    /// A label-override file (`id,label`, see ``LabelOverrideFile``) applied to both splits
    /// after loading, before ``undersample`` and ``labelNoise``.
    public var labelOverrides: URL?
    /// Size, channels and decoded cache of an ImageFolder (class folders of JPEG and PNG files).
    public var imageFolder = ImageFolder.Options(cacheDirectory: ImageFolder.defaultCacheDirectory)

    public init(data: String = "mnist-5k") { self.data = data }

    /// The name with the changes made to the data, for population specs and manifests. A
    /// label-override file is named by the SHA-256 of its content (its first 16 hex digits),
    /// so members trained on other corrections are never reused.
    public var description: String {
        var parts = [data]
        if let labelOverrides { parts.append("label overrides sha256 \(Self.fingerprint(of: labelOverrides))") }
        if let undersample { parts.append("undersample \(undersample) seed \(noiseSeed)") }
        if labelNoise > 0 { parts.append("label noise \(labelNoise) seed \(noiseSeed)") }
        if let size = imageFolder.imageSize { parts.append("image size \(size)") }
        if let channels = imageFolder.channels { parts.append("channels \(channels)") }
        if testFraction != 0.2 || splitSeed != DatasetLoader.defaultSplitSeed {
            parts.append("test fraction \(testFraction) split seed \(splitSeed)")
        }
        return parts.joined(separator: "; ")
    }

    /// The splits, with the requested changes applied to the training split. The loader's
    /// notes (files an ImageFolder skipped) go to standard error, one line each.
    public func load() throws -> PreparedData {
        var splits = try DatasetLoader.load(
            data,
            options: DatasetLoader.Options(testFraction: testFraction, splitSeed: splitSeed, imageFolder: imageFolder))
        for note in splits.notes { FileHandle.standardError.write(Data((note.escapedForOneLine + "\n").utf8)) }
        var overridden = 0
        if let labelOverrides {
            let file = try LabelOverrideFile.read(labelOverrides)
            (splits, overridden) = try splits.overridingLabels(file)
            let line = "label overrides: \(overridden) labels changed from \(file.file)"
            FileHandle.standardError.write(Data((line.escapedForOneLine + "\n").utf8))
        }
        if let undersample {
            let (label, fraction) = try Self.parseUndersample(undersample)
            splits.train = try splits.train.undersampling(class: label, keeping: fraction, seed: noiseSeed)
        }
        var flipped: [FlippedLabel] = []
        if labelNoise > 0 {
            let original = splits.train.labels
            let (noisy, positions) = try LabelNoise.apply(to: splits.train, fraction: labelNoise, seed: noiseSeed)
            splits.train = noisy
            flipped = positions.map { FlippedLabel(id: noisy.ids[$0], original: original[$0], noisy: noisy.labels[$0]) }
        }
        return PreparedData(splits: splits, flippedLabels: flipped, overriddenLabels: overridden)
    }
}

extension DataSource {
    /// The class and fraction of ``undersample``'s `C:F`.
    public static func parseUndersample(_ text: String) throws(OptionError) -> (label: Int32, fraction: Double) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let label = Int32(parts[0]), let fraction = Double(parts[1]) else {
            throw OptionError("--undersample: expected CLASS:FRACTION, for example 3:0.1, got '\(text)'")
        }
        return (label, fraction)
    }

    /// The first 16 hex digits of the SHA-256 of the file at `url`, or `unreadable` (loading
    /// the data then reports why).
    static func fingerprint(of url: URL) -> String {
        guard let bytes = try? InputFile.read(url) else { return "unreadable" }
        return String(SHA256.hex(of: Data(bytes)).prefix(16))
    }
}

/// A training label changed by ``DataSource/labelNoise``.
public struct FlippedLabel: Encodable, Sendable, Equatable {
    public var id: Int
    public var original: Int32
    public var noisy: Int32
}

/// Loaded splits and what was done to them.
public struct PreparedData {
    public var splits: DatasetSplits
    public var flippedLabels: [FlippedLabel]
    /// How many labels the label-override file changed (0 without one).
    public var overriddenLabels = 0
}
