import ArgumentParser
import Foundation
import LoupeAttribution
import LoupeData
import LoupeNN
import LoupeSupport

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

    func run() throws {
        let watch = Stopwatch()
        let methodNames = methods.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        // Names are checked before the data are read; the methods are built for the data's range.
        _ = try methodNames.map { try rankingSource($0, settings: settings(inputRange: .unit)) }
        let percents = try parseFractions()
        let parsedModes = try modes.split(separator: ",").map {
            try RetrainMode(parsing: $0.trimmingCharacters(in: .whitespaces))
        }
        guard threads > 0 else {
            throw AttributionError(source: "--threads", problem: "must be positive, got \(threads)")
        }
        for (name, limit) in [("--train-limit", trainLimit), ("--test-limit", testLimit)] {
            if let limit, limit < 1 { throw AttributionError(source: name, problem: "must be positive, got \(limit)") }
        }

        var splits = try dataOptions.load().splits
        var data = dataOptions.description
        if let trainLimit, trainLimit < splits.train.count {
            splits.train = splits.train.subset(evenlySpaced(trainLimit, of: splits.train.count))
            data += "; \(trainLimit) training examples evenly spaced"
        }
        if let testLimit, testLimit < splits.test.count {
            splits.test = splits.test.subset(evenlySpaced(testLimit, of: splits.test.count))
            data += "; \(testLimit) test examples evenly spaced"
        }
        let rankingSources = try methodNames.map {
            try rankingSource($0, settings: settings(inputRange: InputRange(of: splits.train)))
        }
        var training = modelOptions.training(defaultEpochs: 4)
        training.schedule = .cosine(minimum: 0)
        guard training.epochs >= 1 else {
            throw AttributionError(source: "--epochs", problem: "must be at least 1, got \(training.epochs)")
        }
        var spec = RemoveAndRetrainSpec(
            data: data, trainCount: splits.train.count, testCount: splits.test.count,
            architecture: try modelOptions.architecture(for: splits.train), training: training, seed: seed,
            methods: methodNames, percents: percents, modes: parsedModes, retrains: retrains)
        spec.blurSigma = blurSigma
        spec.integratedGradientsSteps = steps
        spec.noisySamples = samples
        spec.noiseFraction = Double(noise)
        try spec.validate()
        try training.validate(for: splits.train)

        var directory = try RunDirectory(
            path: out, configuration: spec, seeds: ["seed": seed, "split": dataOptions.splitSeed], threads: threads)
        try directory.recordInputs(splits.train.sources + splits.test.sources)
        let runner = try RemoveAndRetrainRunner(spec: spec, directory: directory.url)
        print(
            "roar: \(methodNames.count) methods x \(percents.count) fractions x \(parsedModes.count) modes x \(retrains) retrains of \(spec.architecture.name), \(training.epochs) epochs on \(splits.train.count) training images; evaluated on \(splits.test.count)"
        )
        let progress = RoarProgress()
        let result = try runner.run(
            train: splits.train, test: splits.test, methods: rankingSources, threads: threads,
            events: { progress.handle($0) })
        progress.stop()

        let outputs = RoarOutputs(spec: spec, result: result, threads: threads, wallSeconds: watch.elapsedSeconds)
        let written = try outputs.write(into: &directory)
        directory.recordOutputs(under: ["roar.json", "base", "maps", "cells"])
        try directory.finish()
        print(outputs.rankingText)
        print(
            String(
                format: "wall time %.1fs; %d retrains trained (%d reused): %.0f training images/s on %d threads",
                watch.elapsedSeconds, result.trainedRetrains, result.reusedRetrains, outputs.imagesPerSecond, threads))
        print(
            "wrote \((written + ["maps/", "cells/", "manifest.json"]).joined(separator: ", ")) to \(directory.url.path)"
        )
    }

    /// The settings of the methods built by name, for data in `inputRange`.
    func settings(inputRange: InputRange) -> AttributionSettings {
        AttributionSettings(inputRange: inputRange, steps: steps, samples: samples, noiseFraction: noise)
    }

    /// The controls by name, every other name through the attribution method parser.
    func rankingSource(_ name: String, settings: AttributionSettings) throws -> any AttributionMethod {
        switch name {
        case "random": return RandomRankingControl()
        case "blurred-random":
            guard blurSigma > 0, blurSigma.isFinite else {
                throw AttributionError(source: "--blur-sigma", problem: "must be positive, got \(blurSigma)")
            }
            return BlurredRandomRankingControl(sigma: blurSigma)
        case "": throw AttributionError(source: "--methods", problem: "empty method name in '\(methods)'")
        default:
            do {
                return try AttributionMethodParser.method(named: name, settings: settings)
            } catch {
                // This command's option is --methods; errors of --steps and the like stay as they are.
                throw error.source == "--method" ? AttributionError(source: "--methods", problem: error.problem) : error
            }
        }
    }

    /// `count` positions of `0..<total` spread evenly: `i * total / count` (data files are
    /// often sorted by class, so the first ones would be one class).
    func evenlySpaced(_ count: Int, of total: Int) -> [Int] {
        (0..<count).map { $0 * total / count }
    }

    /// The fractions in percent, ascending, without repeats.
    func parseFractions() throws -> [Double] {
        let values = try fractions.split(separator: ",", omittingEmptySubsequences: false).map { part in
            let text = part.trimmingCharacters(in: .whitespaces)
            guard let value = Double(text), value.isFinite else {
                throw AttributionError(source: "--fractions", problem: "'\(text)' is not a percentage")
            }
            guard value > 0, value < 100 else {
                throw AttributionError(source: "--fractions", problem: "fraction \(text) is outside (0, 100) percent")
            }
            return value
        }
        return Array(Set(values)).sorted()
    }
}
