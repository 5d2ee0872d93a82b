import ArgumentParser
import Foundation
import LoupeWorkflows

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find the examples, classes and groups that compression hurts (the main job).",
        discussion: """
            Trains (or resumes) a population of models per variant, dense and compressed (see \
            `loupe population`), then compares each compressed population with the dense one on \
            the held-out examples. With no arguments: the cnn on the embedded mnist-5k, 5 models \
            each of dense, 50% and 90% gradual magnitude pruning and int8 per-channel \
            quantization.

            Writes cie.csv and cie.jsonl (one row per variant and example id: modal labels, \
            Taxicab score, is_cie, each population's accuracy on it), classes.csv (per-class \
            impact with a Welch t-test), groups.csv (with --attributes), summary.json and a \
            self-contained report.html; population/ holds every member and its predictions.

            Bring your own predictions: --baseline-predictions and --compressed-predictions take \
            NPY files ([models, examples] labels or [models, examples, classes] logits) or CSV \
            files (model,id,label) of populations trained elsewhere; no training is done and the \
            examples are those of the --data test split, in order.
            """)

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var populationOptions: PopulationOptions
    @Option(help: "CSV of group attributes: an id column, then one column per attribute.") var attributes: String?
    @Option(help: "Predictions of a baseline population trained elsewhere (NPY or CSV).") var baselinePredictions:
        String?
    @Option(help: "Comma-separated predictions of compressed populations trained elsewhere (NPY or CSV).")
    var compressedPredictions: String?
    @Option(help: "CIE thumbnails per variant in report.html.") var gallery: Int = 48
    @Option(help: "Seed of the random comparison sample.") var sampleSeed: UInt64 = 0
    @Option(
        help:
            "Timed runs per inference kernel, population and batch size for the speed frontier (variants.csv, latency.json, frontier.html); 0 measures no latency."
    )
    var latencyRuns: Int = 10
    @Option(
        help:
            "Which examples to audit: the held-out test split or the training split (where --label-noise flips labels)."
    )
    var evaluate: EvaluatedSplit = .test
    @Option(help: "Output directory.") var out: String = "runs/audit"
    @OptionGroup(title: "Running on a cluster") var shardOptions: ShardOptions

    /// Checks the options on their own, before anything runs (ArgumentParser calls this after
    /// parsing; the option groups check themselves).
    func validate() throws {
        try validateOutputFolder(out)
        guard (0...10_000).contains(latencyRuns) else {
            throw ValidationError("--latency-runs must be between 0 and 10000, got \(latencyRuns)")
        }
        if baselinePredictions != nil, shardOptions.shard != nil || shardOptions.shards != nil || shardOptions.collect {
            throw ValidationError(
                "--shard, --shards and --collect split training; predictions made elsewhere need none")
        }
        if baselinePredictions != nil, compressedPredictions == nil {
            throw ValidationError("--baseline-predictions needs --compressed-predictions")
        }
        if baselinePredictions == nil, try populationOptions.recipe.variants.allSatisfy({ $0 == .dense }) {
            throw ValidationError("--variants needs at least one compressed variant besides dense")
        }
    }

    /// The workflow's configuration these options describe.
    func workflowConfiguration() throws -> AuditWorkflow.Configuration {
        var configuration = AuditWorkflow.Configuration(
            data: dataOptions.source, population: try populationOptions.recipe,
            output: URL(fileURLWithPath: out, isDirectory: true))
        if let baselinePredictions, let compressedPredictions {
            configuration.predictions = .init(
                baseline: URL(fileURLWithPath: baselinePredictions),
                compressed: compressedPredictions.split(separator: ",").map { URL(fileURLWithPath: String($0)) })
        }
        configuration.attributes = attributes.map { URL(fileURLWithPath: $0) }
        configuration.gallery = gallery
        configuration.sampleSeed = sampleSeed
        configuration.latencyRuns = latencyRuns
        configuration.evaluate = evaluate
        configuration.role = try shardOptions.role()
        return configuration
    }

    func run() throws {
        let configuration = try workflowConfiguration()
        if case .task = configuration.role {
            print(try AuditWorkflow(configuration).runShard(progress: TerminalProgress()).summaryLine)
            return
        }
        let result = try AuditWorkflow(configuration).run(progress: TerminalProgress())
        let written = try result.write(to: configuration.output)
        print(
            "wrote \(written.joined(separator: ", ")) and manifest.json to \(configuration.output.standardizedFileURL.path)"
        )
    }
}
