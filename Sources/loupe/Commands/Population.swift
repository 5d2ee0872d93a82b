import ArgumentParser
import Foundation
import LoupeCompress
import LoupeNN
import LoupeReport

struct Population: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a population of models per compression variant and store their predictions.",
        discussion: """
            Members of the dense and pruned variants are trained independently (seeds \
            --seed ... --seed + members - 1), one per core; quantized variants are derived from \
            the dense members. Each member's directory holds model.safetensors, logits.npy \
            ([examples, classes]), predictions.npy (top-1 labels) and member.json (written last, \
            with the files' SHA-256). A re-run with the same options resumes: verified members \
            are reused, missing or altered ones are made again.
            """)

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var populationOptions: PopulationOptions
    @Option(help: "Output directory.") var out: String = "runs/population"

    func run() throws {
        let splits = try dataOptions.load().splits
        let spec = try populationOptions.makeSpec(data: dataOptions.description, train: splits.train)
        var directory = try RunDirectory(
            path: out, configuration: spec, seeds: ["first member": spec.firstSeed], threads: populationOptions.threads)
        try directory.recordInputs(splits.train.sources + splits.test.sources)
        let result = try runPopulation(
            spec: spec, splits: splits, directory: directory.url, threads: populationOptions.threads)
        printPopulationSummary(result)
        directory.recordPhases(result.memberSeconds)
        directory.recordOutputs(under: ["population.json"] + spec.orderedVariants.map(\.name))
        try directory.finish()
    }
}

/// One line per variant: mean and standard deviation of the members' accuracy, sparsity,
/// model size.
func printPopulationSummary(_ result: PopulationResult) {
    print("variant            members  accuracy (mean ± sd)  sparsity  size on disk")
    for (variant, records) in result.records.sorted(by: { $0.key.name < $1.key.name }) {
        let accuracies = records.map(\.accuracy)
        let mean = accuracies.reduce(0, +) / Double(accuracies.count)
        let sd = (accuracies.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(accuracies.count - 1, 1)))
            .squareRoot()
        let sparsity = records.map(\.sparsity).reduce(0, +) / Double(records.count)
        let size = records.map(\.bytesOnDisk).reduce(0, +) / max(records.count, 1)
        print(
            variant.name.padding(toLength: 18, withPad: " ", startingAt: 0)
                + String(
                    format: " %7d  %.4f ± %.4f       %.2f      %d KB", records.count, mean, sd, sparsity, size / 1024))
    }
}
