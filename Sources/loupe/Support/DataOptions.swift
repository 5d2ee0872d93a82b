import ArgumentParser
import LoupeData

/// The `--data` option and what refines it, shared by every command that reads a dataset.
struct DataOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Dataset: mnist-5k (embedded), fashion-mnist (Debian package dataset-fashion-mnist), or a path: a directory of IDX or NPY files, an .npz or a .csv file.",
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

    /// Checks the options on their own, before anything runs (ArgumentParser calls this
    /// after parsing); what depends on the data is checked when it is loaded.
    func validate() throws {
        guard labelNoise.isFinite, (0...1).contains(labelNoise) else {
            throw ValidationError("--label-noise must be a fraction in [0, 1], got \(labelNoise)")
        }
    }

    /// `--data` with the changes made to the training split, for population specs.
    var description: String {
        var parts = [data]
        if let undersample { parts.append("undersample \(undersample) seed \(noiseSeed)") }
        if labelNoise > 0 { parts.append("label noise \(labelNoise) seed \(noiseSeed)") }
        if testFraction != 0.2 || splitSeed != DatasetLoader.defaultSplitSeed {
            parts.append("test fraction \(testFraction) split seed \(splitSeed)")
        }
        return parts.joined(separator: "; ")
    }

    /// The splits, with the requested changes applied to the training split.
    func load() throws -> PreparedData {
        var splits = try DatasetLoader.load(
            data, options: DatasetLoader.Options(testFraction: testFraction, splitSeed: splitSeed))
        if let undersample {
            let parts = undersample.split(separator: ":")
            guard parts.count == 2, let label = Int32(parts[0]), let fraction = Double(parts[1]) else {
                throw ValidationError("--undersample: expected CLASS:FRACTION, for example 3:0.1, got '\(undersample)'")
            }
            splits.train = try splits.train.undersampling(class: label, keeping: fraction, seed: noiseSeed)
        }
        var flipped: [FlippedLabel] = []
        if labelNoise > 0 {
            let original = splits.train.labels
            let (noisy, positions) = try LabelNoise.apply(to: splits.train, fraction: labelNoise, seed: noiseSeed)
            splits.train = noisy
            flipped = positions.map { FlippedLabel(id: noisy.ids[$0], original: original[$0], noisy: noisy.labels[$0]) }
        }
        return PreparedData(splits: splits, flippedLabels: flipped)
    }
}

/// A training label changed by `--label-noise`.
struct FlippedLabel: Encodable {
    var id: Int
    var original: Int32
    var noisy: Int32
}

/// Loaded splits and what was done to them.
struct PreparedData {
    var splits: DatasetSplits
    var flippedLabels: [FlippedLabel]
}
