import ArgumentParser
import Foundation
import LoupeCompress
import LoupeData
import LoupeNN
import LoupeSupport

/// Options that define a population of models per compression variant.
struct PopulationOptions: ParsableArguments {
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Models per variant (the papers use 30; 10 is a useful minimum for statistics).")
    var members: Int = 5
    @Option(
        help: ArgumentHelp(
            "Comma-separated variants: dense, prune:S[:global|random] (gradual magnitude pruning to sparsity S), float16, int8-tensor, int8-channel, int4-channel, int8-full.",
            valueName: "list"))
    var variants: String = "dense,prune:0.5,prune:0.9,int8-channel"
    @Option(help: "Seed of the first member; member i uses seed + i.") var seed: UInt64 = 0
    @Option(help: "Members trained at once, one per core.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    /// Checks the options on their own, before anything runs (ArgumentParser calls this after
    /// parsing).
    func validate() throws {
        guard members >= 1 else { throw ValidationError("--members must be at least 1, got \(members)") }
        guard threads > 0 else { throw ValidationError("--threads must be positive, got \(threads)") }
    }

    /// The population the options describe, checked for `train` (`PopulationSpec.validate(for:)`)
    /// so that a command can refuse it before creating its output folder.
    func makeSpec(data: String, train: Dataset) throws -> PopulationSpec {
        let architecture = try modelOptions.architecture(for: train)
        var training = modelOptions.training(defaultEpochs: 4)
        training.schedule = .cosine(minimum: 0)
        let parsed = try variants.split(separator: ",").map {
            try CompressionVariant(parsing: String($0).trimmingCharacters(in: .whitespaces))
        }
        let spec = PopulationSpec(
            data: data, architecture: architecture, training: training, members: members, firstSeed: seed,
            variants: parsed)
        try spec.validate(for: train)
        return spec
    }
}

/// Trains or resumes a population, printing one line per member.
func runPopulation(
    spec: PopulationSpec, splits: DatasetSplits, evaluate: Dataset? = nil, directory: URL, threads: Int
) throws -> PopulationResult {
    let evaluate = evaluate ?? splits.test
    let runner = try PopulationRunner(spec: spec, directory: directory)
    let trained = spec.orderedVariants.filter(\.isTrained).count * spec.members
    print(
        "population: \(spec.orderedVariants.map(\.name).joined(separator: ", ")) x \(spec.members) members of \(spec.architecture.name), \(spec.training.epochs) epochs on \(splits.train.count) images; evaluated on \(evaluate.count)"
    )
    let progress = ProgressLine(label: "members", total: spec.orderedVariants.count * spec.members)
    var done = 0
    let result = try runner.run(train: splits.train, evaluate: evaluate, threads: threads) { record, reused in
        done += 1
        progress.advance()
        if !reused || done <= trained {
            let note = reused ? "verified, reused" : String(format: "%.1fs", record.seconds)
            progress.log(
                String(
                    format: "  %@ #%d  accuracy %.4f  sparsity %.2f  %@", record.variant, record.index, record.accuracy,
                    record.sparsity, note))
        }
    }
    progress.finish()
    return result
}

extension PopulationResult {
    /// The time each member made by this run took, by `<variant> #<index>`, for the manifest.
    var memberSeconds: [String: Double] {
        var phases: [String: Double] = [:]
        for (variant, records) in records {
            for record in records where record.seconds > 0 {
                phases["\(variant.name) #\(record.index)"] = record.seconds
            }
        }
        return phases
    }
}
