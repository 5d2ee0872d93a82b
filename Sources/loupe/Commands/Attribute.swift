import ArgumentParser
import Foundation
import LoupeAttribution
import LoupeSupport
import LoupeWorkflows

struct Attribute: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Attribution maps of a checkpoint for chosen examples, as NPY arrays and an HTML page.",
        discussion: """
            Explains the target class's logit of each selected example with every --method: \
            gradient, gradient-x-input, integrated-gradients, guided-backprop, the controls \
            random and sobel, and the wrappers smoothgrad, smoothgrad-squared and vargrad, \
            bare (of the gradient) or around any method, e.g. smoothgrad(integrated-gradients).

            Examples: --ids (ids of the --split), --top-cie (the CIEs with the highest Taxicab \
            score in a `loupe audit` cie.csv; test split by default) or --top-vog (the highest \
            VoG in a `loupe difficulty` difficulty.csv; train split by default).

            Writes into --out: <method>.npy per method ([examples, C, H, W] float32), ids.npy, \
            examples.csv (id, label, prediction, target, the ranking score, and the \
            completeness error of integrated gradients), attributions.html (image, heatmap \
            and overlay per example and method) and manifest.json. Nothing is written if an \
            input is wrong.
            """)

    @Option(help: "A checkpoint written by `loupe train` (.safetensors) or an ONNX model (.onnx).") var modelFile:
        String
    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Comma-separated methods (see above).") var method: String = "gradient"
    @Option(help: "Comma-separated example ids.") var ids: String?
    @Option(help: "A `loupe audit` cie.csv (or its directory): explain its top CIEs.") var topCie: String?
    @Option(help: "The audit variant for --top-cie (default: the last in the file).") var cieVariant: String?
    @Option(help: "A `loupe difficulty` difficulty.csv (or its directory): explain its highest VoG.")
    var topVog: String?
    @Option(help: "The difficulty.csv column --top-vog ranks by.") var vogScore: String = "vog-normalized"
    @Option(help: "How many examples --top-cie and --top-vog take.") var count: Int = 16
    @Option(
        help:
            "The split the ids refer to: test or train (default: train for --top-vog, test otherwise; --ids found only in the training split of data whose splits share no id select it)."
    )
    var split: EvaluatedSplit?
    @Option(help: "The class explained: predicted, label or a class number.") var target: String = "predicted"
    @Option(
        help: ArgumentHelp(
            "Integrated-gradients baseline: zero, black (the data's minimum), mean (the training split's mean image) or an NPY file of one image.",
            valueName: "zero|black|mean|file.npy"))
    var baseline: String = "zero"
    @OptionGroup var methodOptions: AttributionMethodOptions
    @Option(help: "Threads.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Output directory.") var out: String = "runs/attribute"

    /// Checks the options on their own, before anything is read.
    func validate() throws {
        try validateOutputFolder(out)
        _ = try selection
        guard count >= 1 else { throw InputError(source: "--count", problem: "must be at least 1, got \(count)") }
    }

    /// The examples the options choose.
    var selection: AttributeWorkflow.Selection {
        get throws {
            guard [ids, topCie, topVog].compactMap({ $0 }).count == 1 else {
                throw InputError(source: "--ids, --top-cie, --top-vog", problem: "give exactly one of them")
            }
            if let ids { return .ids(try ExampleSelection.ids(ids).ids) }
            if let topCie { return .topCIEs(URL(fileURLWithPath: topCie), variant: cieVariant, count: count) }
            return .topVoG(URL(fileURLWithPath: topVog!), column: vogScore, count: count)
        }
    }

    func run() throws {
        var configuration = AttributeWorkflow.Configuration(
            modelFile: URL(fileURLWithPath: modelFile), data: dataOptions.source, selection: try selection)
        configuration.methods = method
        configuration.split = split
        configuration.target = target
        configuration.baseline = baseline
        configuration.settings = methodOptions.settings
        configuration.threads = threads
        let result = try AttributeWorkflow(configuration).run(progress: TerminalProgress())
        let output = URL(fileURLWithPath: out, isDirectory: true)
        try result.write(to: output)
        let count = result.methods.count
        print(
            "wrote \(count) map\(count == 1 ? "" : "s"), ids.npy, examples.csv, attributions.html and manifest.json to \(output.standardizedFileURL.path)"
        )
    }
}
