import ArgumentParser
import Foundation
import LoupeWorkflows

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
    @OptionGroup(title: "Running on a cluster") var shardOptions: ShardOptions

    func validate() throws { try validateOutputFolder(out) }

    /// The workflow's configuration these options describe.
    func workflowConfiguration() throws -> PopulationWorkflow.Configuration {
        var configuration = PopulationWorkflow.Configuration(
            data: dataOptions.source, population: try populationOptions.recipe,
            output: URL(fileURLWithPath: out, isDirectory: true))
        configuration.role = try shardOptions.role()
        return configuration
    }

    func run() throws {
        let configuration = try workflowConfiguration()
        let workflow = PopulationWorkflow(configuration)
        if case .task = configuration.role {
            print(try workflow.runShard(progress: TerminalProgress()).summaryLine)
            return
        }
        let result = try workflow.run(progress: TerminalProgress())
        for line in result.summaryLines { print(line) }
        _ = try result.write(to: result.folder)
    }
}
