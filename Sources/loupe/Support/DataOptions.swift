import ArgumentParser
import Foundation
import LoupeData
import LoupeWorkflows

/// The `--data` option and what refines it, shared by every command that reads a dataset.
struct DataOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Dataset: mnist-5k (embedded), fashion-mnist (Debian package dataset-fashion-mnist), or a path: a directory of IDX or NPY files, an .npz or a .csv file, or an ImageFolder (train/<class>/*.jpg|png and test/<class>/*, or <class>/* to split; decoded once into $LOUPE_CACHE_DIR, else $XDG_CACHE_HOME/loupe or ~/.cache/loupe).",
            valueName: "name|path"))
    var data: String = "mnist-5k"

    @Option(help: "Fraction of each class held out for testing when the data has no test split.")
    var testFraction: Double = 0.2

    @Option(help: "Seed of the stratified train/test split, when the data has no test split.")
    var splitSeed: UInt64 = DatasetLoader.defaultSplitSeed

    @Option(help: "Flip this fraction of training labels to another class, uniformly (a benchmark of label noise).")
    var labelNoise: Double = 0

    @Option(help: "Seed of --label-noise and --undersample.") var noiseSeed: UInt64 = 0

    @Option(
        help: ArgumentHelp("Keep only fraction F of training class C, making it rare on purpose.", valueName: "C:F"))
    var undersample: String?

    @Option(
        help: ArgumentHelp(
            "Corrected labels: a CSV file with a header id,label (as the review app writes it), one row per example whose label changes to the given class index; applied to both splits before anything else. An optional split column (train|test) picks the split of an id both splits have; other columns are ignored. Recorded by its SHA-256 in the manifest.",
            valueName: "file"))
    var labelOverrides: String?

    @Option(
        help: ArgumentHelp(
            "ImageFolder: resize every image to this size (area averaging); without it, images of another size than the first are an error.",
            valueName: "HxW"))
    var imageSize: String?

    @Option(
        help: ArgumentHelp(
            "ImageFolder: convert every image to 1 (grey, BT.601 luma) or 3 (RGB) channels; alpha is always dropped. Without it, mixed grey and colour images are an error.",
            valueName: "1|3"))
    var channels: Int?

    @Flag(help: "ImageFolder: decode every image, neither reading nor writing the decoded cache.")
    var noImageCache = false

    /// Checks the options on their own, before anything runs (ArgumentParser calls this
    /// after parsing); what depends on the data is checked when it is loaded.
    func validate() throws {
        guard testFraction > 0, testFraction < 1 else {
            throw ValidationError("--test-fraction must be a fraction strictly between 0 and 1, got \(testFraction)")
        }
        guard labelNoise.isFinite, (0...1).contains(labelNoise) else {
            throw ValidationError("--label-noise must be a fraction in [0, 1], got \(labelNoise)")
        }
        if let undersample { _ = try checkingOptions { try DataSource.parseUndersample(undersample) } }
        if let imageSize, ImageSize(parsing: imageSize) == nil {
            throw ValidationError(
                "--image-size: expected HxW with sides in 1...65535, for example 32x32, got '\(imageSize)'")
        }
        if let channels, channels != 1 && channels != 3 {
            throw ValidationError("--channels must be 1 or 3, got \(channels)")
        }
    }

    /// The data these options describe.
    var source: DataSource {
        var source = DataSource(data: data)
        source.testFraction = testFraction
        source.splitSeed = splitSeed
        source.labelNoise = labelNoise
        source.noiseSeed = noiseSeed
        source.undersample = undersample
        source.labelOverrides = labelOverrides.map { URL(fileURLWithPath: $0) }
        source.imageFolder.imageSize = imageSize.flatMap(ImageSize.init(parsing:))
        source.imageFolder.channels = channels
        if noImageCache { source.imageFolder.cacheDirectory = nil }
        return source
    }

    /// `--data` with the changes made to the training split, for population specs.
    var description: String { source.description }
}
