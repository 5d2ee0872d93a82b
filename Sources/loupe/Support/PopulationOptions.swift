import ArgumentParser
import Foundation
import LoupeCompress
import LoupeWorkflows

/// Options that define a population of models per compression variant.
struct PopulationOptions: ParsableArguments {
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Models per variant (the papers use 30; 10 is a useful minimum for statistics).")
    var members: Int = 5
    @Option(
        help: ArgumentHelp(
            "Comma-separated variants: dense, prune:S[:global|random] (gradual magnitude pruning to sparsity S), oneshot:S[:E] (magnitude pruning of each dense member to sparsity S, then E fine-tuning epochs, 1 by default), prune-N:M and oneshot-N:M[:E] (N:M semi-structured pruning, e.g. 2:4: N of every M consecutive weights along each weight's input dimension; gradual or one-shot), prune-filters:S and oneshot-filters:S[:E] (structured pruning: the fraction S of the filters and hidden units of every prunable layer removed by L1 norm, the network made smaller; gradual or one-shot), float16, int8-tensor, int8-channel, int4-channel, int8-full; seed-control (the dense recipe retrained from the next seeds: the CIE fraction of no compression at all, the floor the others must clear).",
            valueName: "list"))
    var variants: String = "dense,prune:0.5,prune:0.9,int8-channel"
    @Option(
        help: ArgumentHelp(
            "Your trained models as the dense population, instead of training it: comma-separated checkpoints or ONNX files, or a folder of them; compressed variants are derived from them (oneshot:S[:E], quantization). Sets the architecture and --members.",
            valueName: "list|folder"))
    var models: String?
    @Option(help: "Seed of the first member; member i uses seed + i.") var seed: UInt64 = 0
    @Option(help: "Members trained at once, one per core.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    /// Checks the options on their own, before anything runs (ArgumentParser calls this after
    /// parsing): the counts, and the variants' names.
    func validate() throws {
        guard (1...PopulationSpec.maximumMembers).contains(members) else {
            throw ValidationError("--members must be between 1 and \(PopulationSpec.maximumMembers), got \(members)")
        }
        guard threads > 0 else { throw ValidationError("--threads must be positive, got \(threads)") }
        _ = try PopulationRecipe.variants(parsing: variants)
    }

    /// The population these options describe.
    var recipe: PopulationRecipe {
        get throws {
            var recipe = PopulationRecipe(
                model: modelOptions.recipe, variants: try PopulationRecipe.variants(parsing: variants),
                threads: threads)
            recipe.members = members
            recipe.seed = seed
            recipe.baseModels = try models.map { try PopulationRecipe.modelFiles(parsing: $0) }
            return recipe
        }
    }
}
