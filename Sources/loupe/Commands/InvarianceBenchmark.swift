import ArgumentParser
import Foundation
import LoupeAttribution
import LoupeSupport
import LoupeWorkflows

struct InvarianceBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invariance",
        abstract: "The input-invariance test: which attribution methods survive a constant shift of the input.",
        discussion: """
            For each model (trained briefly on --data, or loaded with --model-file), builds the \
            model f2 that computes on x + m what the original computes on x: the first layer's \
            bias is compensated, b2 = b1 - W1 m, and for a zero-padded convolution the \
            compensation is a per-position bias map, exact at the borders. The logits of both \
            models on the first --examples test images are checked to agree (the run stops \
            with an error if they do not: with --compensation none, the published mistake, \
            they never do), then every method is computed on both and its maps compared. \
            With an input normalisation (--normalize, or a checkpoint trained with it) the \
            shift is added to the pixels and the normalisation kept, so the first layer is \
            compensated for m / std[c] in each channel c.

            A method passes when ||A2 - A1|| / ||A1|| <= --tolerance (Euclidean norms over all \
            images): rounding can send one of the many path points or noisy copies across a \
            ReLU or pooling kink, which moves a few elements, so the largest element-wise \
            difference is reported (absolute and over the map's scale, max |A1|) but not judged. \
            Expected (Kindermans et al., 2017): gradient, the SmoothGrad family of the \
            gradient, guided backprop and integrated gradients from a baseline that moves with \
            the input (black, mean) pass; gradient x input and integrated gradients from zero \
            fail; the random and Sobel controls ignore the model and pass.

            Writes invariance.csv (model, method, max_abs_difference, map_scale, \
            relative_difference = max_abs_difference / map_scale, worst_image_relative_difference, \
            relative_norm_difference, tolerance, pass, expected), output-check.csv (the logit \
            agreement of no, uniform-bias and exact compensation), models/ (trained models) \
            and manifest.json.
            """)

    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Comma-separated architectures to train: mlp, cnn, or architecture JSON files.")
    var model: String = "mlp,cnn"
    @Option(help: "Hidden widths for mlp (comma-separated), or the hidden width of cnn.") var hidden: String?
    @Option(help: "Comma-separated checkpoints (.safetensors or .onnx) to test instead of training.") var modelFile:
        String?
    @OptionGroup var normalizationOption: NormalizationOption
    @Option(help: "Training epochs.") var epochs: Int = 1
    @Option(help: "Training mini-batch size.") var batchSize: Int = 128
    @Option(help: "Training learning rate (SGD, momentum 0.9).") var lr: Float = 0.05
    @Option(help: "Training seed.") var trainingSeed: UInt64 = 0
    @Option(help: "Test images compared (the first N of the test split).") var examples: Int = 16
    @Option(help: "The constant m added to every input element.") var shift: Float = -1
    @Option(help: "How the shifted model is compensated: exact, uniform-bias or none.")
    var compensation: String = "exact"
    @Option(help: "A method passes when ||A2 - A1|| / ||A1|| over all images is at most this.")
    var tolerance: Float = 1e-2
    @Option(help: "Logits must agree within this fraction of max(1, largest |logit|).") var outputTolerance: Float =
        1e-4
    @OptionGroup var methodOptions: AttributionMethodOptions
    @Option(help: "Threads.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Output directory.") var out: String = "runs/invariance"

    /// Checks the options on their own, before any data is read.
    func validate() throws {
        try validateOutputFolder(out)
        guard ShiftCompensation(rawValue: compensation) != nil else {
            throw InputError(
                source: "--compensation", problem: "expected exact, uniform-bias or none, got '\(compensation)'")
        }
        try InvarianceWorkflow.validate(workflowConfiguration)
    }

    /// The workflow's configuration (the compensation as checked by `validate()`).
    var workflowConfiguration: InvarianceWorkflow.Configuration {
        var configuration = InvarianceWorkflow.Configuration(data: dataOptions.source)
        configuration.models = model.split(separator: ",").map(String.init)
        configuration.hidden = hidden
        configuration.modelFiles = modelFile?.split(separator: ",").map { URL(fileURLWithPath: String($0)) }
        configuration.normalization = normalizationOption.normalization
        configuration.epochs = epochs
        configuration.batchSize = batchSize
        configuration.learningRate = lr
        configuration.trainingSeed = trainingSeed
        configuration.examples = examples
        configuration.shift = shift
        configuration.compensation = ShiftCompensation(rawValue: compensation) ?? .exact
        configuration.tolerance = tolerance
        configuration.outputTolerance = outputTolerance
        configuration.methods = methodOptions.settings
        configuration.threads = threads
        return configuration
    }

    func run() throws {
        let output = URL(fileURLWithPath: out, isDirectory: true)
        let result = try InvarianceWorkflow(workflowConfiguration).run(progress: TerminalProgress())
        let written = try result.write(to: output)
        for line in result.lines { print(line) }
        print("wrote \(written.joined(separator: ", ")) and manifest.json to \(output.standardizedFileURL.path)")
    }
}
