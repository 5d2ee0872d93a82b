import Foundation
import LoupeCompress
import LoupeData
import LoupeNN
import LoupeSupport

/// A population of models per compression variant, before the data sizes it.
public struct PopulationRecipe: Sendable, Equatable {
    /// The architecture and training recipe (4 epochs by default, with a cosine schedule).
    public var model: ModelRecipe
    /// Models per variant.
    public var members = 5
    /// The variants; the dense one is added when missing.
    public var variants: [CompressionVariant]
    /// Seed of the first member; member i uses seed + i.
    public var seed: UInt64 = 0
    /// Members trained at once, one per core.
    public var threads: Int

    public init(model: ModelRecipe, variants: [CompressionVariant], threads: Int) {
        self.model = model
        self.variants = variants
        self.threads = threads
    }

    /// `dense,prune:0.5,prune:0.9,int8-channel` read as variants.
    public static func variants(parsing list: String) throws(CompressionError) -> [CompressionVariant] {
        try list.split(separator: ",").map { text throws(CompressionError) in
            try CompressionVariant(parsing: String(text).trimmingCharacters(in: .whitespaces))
        }
    }

    /// The population for `train`, checked (`PopulationSpec.validate(for:)`) so that a
    /// workflow can refuse it before creating its output folder.
    public func makeSpec(data: String, train: Dataset) throws -> PopulationSpec {
        let architecture = try model.architecture(for: train)
        let training = model.training(defaultEpochs: 4, defaultSchedule: .cosine(minimum: 0))
        let spec = PopulationSpec(
            data: data, architecture: architecture, training: training, members: members, firstSeed: seed,
            variants: variants)
        try spec.validate(for: train)
        return spec
    }
}

/// Trains or resumes a population, logging one line per member.
func runPopulation(
    spec: PopulationSpec, splits: DatasetSplits, evaluate: Dataset? = nil, directory: URL, threads: Int,
    progress: any WorkflowProgress
) throws -> PopulationResult {
    let evaluate = evaluate ?? splits.test
    let runner = try PopulationRunner(spec: spec, directory: directory)
    let trained = spec.orderedVariants.filter(\.isTrained).count * spec.members
    if let line = spec.architecture.normalizationLine { progress.log(line) }
    progress.log(
        "population: \(spec.orderedVariants.map(\.name).joined(separator: ", ")) x \(spec.members) members of \(spec.architecture.name), \(spec.training.epochs) epochs on \(splits.train.count) images; evaluated on \(evaluate.count)"
    )
    let meter = progress.meter("members", total: spec.orderedVariants.count * spec.members)
    var done = 0
    let result = try runner.run(train: splits.train, evaluate: evaluate, threads: threads) { record, reused in
        done += 1
        meter.advance(by: 1)
        if !reused || done <= trained {
            let note = reused ? "verified, reused" : String(format: "%.1fs", record.seconds)
            meter.log(
                String(
                    format: "  %@ #%d  accuracy %.4f  sparsity %.2f  %@", record.variant, record.index, record.accuracy,
                    record.sparsity, note))
        }
    }
    meter.finish()
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
