import ArgumentParser
import Foundation
import LoupeWorkflows

struct Difficulty: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rank every training example by difficulty: VoG and the training-dynamics scores.",
        discussion: """
            Trains one model with a checkpoint per epoch and computes, for every training \
            example: VoG (variance of the input gradient of the label's logit across the \
            checkpoints; raw, class-normalised and absolute, per stage), final loss and margin, \
            EL2N and GraNd at --early-epoch, forgetting events, area under the margin, data-map \
            confidence, variability and correctness, and confident learning's self-confidence \
            and label-issue flags from --cl-folds out-of-sample models.

            Writes difficulty.csv and difficulty.jsonl (every score and its rank, rank 1 = \
            hardest), scores/<name>.npy, deciles.csv (top-1 error per decile of each score), \
            difficulty.html (hardest and easiest examples per class), checkpoints/ and \
            manifest.json. With --cie DIR the table joins the CIE results of `loupe audit` on \
            the same examples (`--evaluate train` in both, or test in both).

            With --checkpoints (or --gradients) and --evaluate test it scores the held-out test \
            examples instead: deciles.csv is then the test error by VoG decile, the VoG paper's \
            main table.

            A training run's work units (the main run, each extra EL2N run, each confident \
            learning fold model) are kept in units/ and reused when the run is resumed; with \
            --shard K/N they are split among the tasks of a cluster job array sharing --out, \
            and --collect writes the outputs once every task has finished.
            """)

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var options: DifficultyOptions
    @Option(
        help:
            "Use these checkpoints (a directory of .safetensors, e.g. a `loupe train` output, or of .onnx files) instead of training."
    )
    var checkpoints: String?
    @Option(
        help: "Bring your own: comma-separated NPY input gradients, one file per checkpoint, [examples, (C,) H, W].")
    var gradients: String?
    @Option(help: "Bring your own: NPY per-epoch logits of the training examples, [epochs, examples, classes].")
    var epochLogits: String?
    @Option(help: "A `loupe audit` output directory whose CIE results to join (same examples).") var cie: String?
    @Option(help: "The audit variant to join (default: the last).") var cieVariant: String?
    @Option(
        help: "Which examples to score: the training split, or the test split (needs --checkpoints or --gradients).")
    var evaluate: EvaluatedSplit = .train
    @Option(help: "Output directory.") var out: String = "runs/difficulty"
    @OptionGroup(title: "Running on a cluster") var shardOptions: ShardOptions

    func validate() throws {
        try validateOutputFolder(out)
        if checkpoints != nil || gradients != nil || epochLogits != nil,
            shardOptions.shard != nil || shardOptions.shards != nil || shardOptions.collect
        {
            throw ValidationError(
                "--shard, --shards and --collect split a training run; scores from checkpoints or arrays train nothing")
        }
        if evaluate == .test, checkpoints == nil, gradients == nil {
            throw ValidationError(
                "--evaluate test needs --checkpoints (for example of `loupe train --checkpoint-every 1`) or --gradients"
            )
        }
    }

    /// The workflow's configuration, for a run on one machine.
    func workflowConfiguration() throws -> DifficultyWorkflow.Configuration {
        var configuration = DifficultyWorkflow.Configuration(
            data: dataOptions.source, settings: try options.settings,
            output: URL(fileURLWithPath: out, isDirectory: true))
        if gradients != nil || epochLogits != nil {
            configuration.source = .arrays(
                gradients: gradients.map { $0.split(separator: ",").map { URL(fileURLWithPath: String($0)) } } ?? [],
                epochLogits: epochLogits.map { URL(fileURLWithPath: $0) })
        } else if let checkpoints {
            configuration.source = .checkpoints(URL(fileURLWithPath: checkpoints))
        }
        configuration.cie = cie.map { URL(fileURLWithPath: $0) }
        configuration.cieVariant = cieVariant
        configuration.evaluate = evaluate
        return configuration
    }

    func run() throws {
        var configuration = try workflowConfiguration()
        let output = configuration.output
        if case .training = configuration.source { configuration.role = try shardOptions.role() }
        if case .task = configuration.role {
            print(try DifficultyWorkflow(configuration).runShard(progress: TerminalProgress()).summaryLine)
            return
        }
        let result = try DifficultyWorkflow(configuration).run(progress: TerminalProgress())
        try result.write(to: output)
        print(
            "wrote difficulty.csv, difficulty.jsonl, scores/, deciles.csv, difficulty.html and manifest.json to \(output.standardizedFileURL.path)"
        )
    }
}
