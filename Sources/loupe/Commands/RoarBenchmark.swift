import ArgumentParser
import Foundation
import LoupeAttribution
import LoupeSupport
import LoupeWorkflows

struct RoarBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roar",
        abstract:
            "Remove and retrain (ROAR) and keep and retrain (KAR): how well attribution methods rank input elements.",
        discussion: """
            Trains a base model on the unmodified training set and computes every method's \
            attribution maps of the training and test images towards the base model's predicted \
            class, once (cached in maps/). Then, for every method, fraction t and mode, ranks each \
            image's elements (every channel value) by squared attribution, ties by element index, \
            and replaces the top round(t n) elements (roar) or all the others (kar) by the \
            per-channel training-set mean, in training and test images alike; retrains \
            --retrains fresh models from scratch on the modified training set and evaluates them \
            on the modified test set. A better method makes ROAR accuracy fall faster and keeps \
            KAR accuracy higher.

            Controls: random (every image's elements in a random order) and blurred-random \
            (Gaussian noise blurred with a Gaussian of --blur-sigma pixels, ranked like an \
            attribution: the critique that ROAR rewards blurry masks). Retrain r of every cell \
            uses seed + 1 + r, the base model the seed itself. Every model follows the same \
            recipe: by default 4 epochs with a cosine schedule, as `loupe population`; for \
            screening, lower --retrains and --epochs, or use --train-limit and --test-limit.

            Writes roar.csv (method, fraction, mode, mean and sample standard deviation of the \
            accuracy over retrains; fraction 0 is the base model), roar.svg and kar.svg, \
            ranking.csv (mean accuracy over fractions against the random control), summary.json \
            (wall time, training images/s), maps/, cells/ (one JSON per retrain), base/ and \
            manifest.json. Models train one per core, single-threaded; an interrupted run \
            resumes from its finished retrains and ends with the same roar.csv.

            On a cluster, the retrains (method x fraction x mode x retrain, numbered in that \
            order) are the work units of a job array: each task (--shard K/N, or --shards N \
            with the index from SLURM or Kubernetes) makes its own missing retrains into the \
            shared --out, and the base model and maps they need if those are missing; then the \
            same command with --collect (or without, once every task has finished) writes the \
            outputs of a run on one machine. --prepare makes only the base model and every \
            method's maps, once, before the array's tasks start (the first job of `loupe plan`).
            """)

    static let defaultMethods =
        "gradient,integrated-gradients,guided-backprop,smoothgrad-squared,vargrad,random,blurred-random"

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: ArgumentHelp("Comma-separated attribution methods and controls.", valueName: "list"))
    var methods: String = defaultMethods
    @Option(
        help: ArgumentHelp(
            "Comma-separated fractions of input elements, in percent, each in (0, 100).", valueName: "list"))
    var fractions: String = "10,30,50,70,90"
    @Option(help: ArgumentHelp("Comma-separated modes: roar, kar.", valueName: "list")) var modes: String = "roar,kar"
    @Option(help: "Models retrained from scratch per method, fraction and mode.") var retrains: Int = 5
    @Option(help: "Seed of the base model (retrain r uses seed + 1 + r) and of every random map.") var seed: UInt64 = 0
    @Option(help: "Sigma in pixels of the blurred-random control's Gaussian blur.") var blurSigma: Double = 2
    @Option(help: "Riemann steps of integrated gradients.") var steps: Int = 50
    @Option(help: "Noisy copies per image for smoothgrad, smoothgrad-squared and vargrad.") var samples: Int = 25
    @Option(help: "Noise standard deviation of the SmoothGrad family, as a fraction of the input range.")
    var noise: Float = 0.15
    @Option(
        help: "Use only N training examples, evenly spaced through the split so every class stays (for screening runs)."
    )
    var trainLimit: Int?
    @Option(help: "Use only N test examples, evenly spaced through the split (for screening runs).") var testLimit: Int?
    @Option(help: "Models trained at once, one per core; results do not depend on it.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Output directory.") var out: String = "runs/roar"
    @OptionGroup(title: "Running on a cluster") var shardOptions: ShardOptions
    @Flag(
        help:
            "Make only the base model and every method's maps, which every retrain needs, into the shared --out; write no outputs. A cluster plan's first job, before the array's tasks."
    )
    var prepare = false

    /// Checks the options on their own, before any data is read: the method names, the
    /// fractions, the modes and the counts.
    func validate() throws {
        try validateOutputFolder(out)
        if methods.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw InputError(source: "--methods", problem: "empty method name in '\(methods)'")
        }
        _ = try workflowConfiguration
        if prepare, shardOptions.shard != nil || shardOptions.collect {
            throw ValidationError(
                "--prepare makes what every shard needs: it cannot be combined with --shard or --collect")
        }
    }

    /// The workflow's configuration.
    var workflowConfiguration: RoarWorkflow.Configuration {
        get throws {
            var configuration = RoarWorkflow.Configuration(
                data: dataOptions.source, model: modelOptions.recipe,
                methods: methods.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
                threads: threads, output: URL(fileURLWithPath: out, isDirectory: true))
            try RoarWorkflow.validate(configuration)
            configuration.percents = try parseFractions()
            configuration.modes = try modes.split(separator: ",").map {
                try RetrainMode(parsing: $0.trimmingCharacters(in: .whitespaces))
            }
            configuration.retrains = retrains
            configuration.seed = seed
            configuration.blurSigma = blurSigma
            (configuration.settings.steps, configuration.settings.samples) = (steps, samples)
            configuration.settings.noise = noise
            (configuration.trainLimit, configuration.testLimit) = (trainLimit, testLimit)
            return configuration
        }
    }

    func run() throws {
        var configuration = try workflowConfiguration
        if prepare {
            let record = try RoarWorkflow(configuration).runPreparation(progress: TerminalProgress())
            print(
                "prepare: \(record.madeSeconds.isEmpty ? "the base model and maps were there, verified" : "made \(record.madeSeconds.keys.sorted().joined(separator: ", "))") in \(configuration.output.standardizedFileURL.path); the array's tasks make the retrains"
            )
            return
        }
        configuration.role = try shardOptions.role()
        if case .task = configuration.role {
            print(try RoarWorkflow(configuration).runShard(progress: TerminalProgress()).summaryLine)
            return
        }
        let result = try RoarWorkflow(configuration).run(progress: TerminalProgress())
        let written = try result.write(to: result.folder)
        print(result.rankingText)
        print(
            String(
                format: "wall time %.1fs; %d retrains trained (%d reused): %.0f training images/s on %d threads",
                result.wallSeconds, result.result.trainedRetrains, result.result.reusedRetrains,
                result.imagesPerSecond, threads))
        print(
            "wrote \((written + ["maps/", "cells/", "manifest.json"]).joined(separator: ", ")) to \(result.folder.path)"
        )
    }

    /// The fractions in percent, ascending, without repeats.
    func parseFractions() throws -> [Double] {
        let values = try fractions.split(separator: ",", omittingEmptySubsequences: false).map { part in
            let text = part.trimmingCharacters(in: .whitespaces)
            guard let value = Double(text), value.isFinite else {
                throw InputError(source: "--fractions", problem: "'\(text)' is not a percentage")
            }
            guard value > 0, value < 100 else {
                throw InputError(source: "--fractions", problem: "fraction \(text) is outside (0, 100) percent")
            }
            return value
        }
        return Array(Set(values)).sorted()
    }
}
