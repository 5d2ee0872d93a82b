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

    func load() throws -> DatasetSplits {
        try DatasetLoader.load(data, options: DatasetLoader.Options(testFraction: testFraction, splitSeed: splitSeed))
    }
}
