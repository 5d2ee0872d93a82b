import ArgumentParser
import LoupeData
import LoupeNN
import LoupeWorkflows

/// The architecture and the basic training recipe, shared by every command that trains.
struct ModelOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Architecture: mlp, cnn, resnet-mini, an architecture JSON file, or an ONNX model or checkpoint whose architecture is trained afresh. Training it must fit the memory budget (4 GiB; set LOUPE_MEMORY_BUDGET to change it).",
            valueName: "name|file")
    )
    var model: String = "cnn"
    @Option(
        help: ArgumentHelp("Hidden widths for mlp (comma-separated), or the hidden width of cnn.", valueName: "w1,w2"))
    var hidden: String?
    @Option(help: "Training epochs (default: 5 for train, 4 per member for population and audit, 9 for difficulty).")
    var epochs: Int?
    @Option(help: "Mini-batch size.") var batchSize: Int = 128
    @Option(help: "Learning rate (default 0.05 for sgd, 0.001 for adam and adamw).") var lr: Float?
    @Option(help: "Optimizer: sgd, adam or adamw.") var optimizer: TrainingConfiguration.OptimizerKind = .sgd
    @OptionGroup var normalizationOption: NormalizationOption
    @Option(help: "SGD momentum.") var momentum: Float = 0.9
    @Flag(help: "Use Nesterov momentum.") var nesterov = false
    @Option(help: "Weight decay (biases and norm parameters excluded).") var weightDecay: Float = 0
    @Option(
        help:
            "Learning-rate schedule: constant, step:N:gamma, cosine[:min=X], warmup:N+<schedule> (default: constant for train and difficulty, cosine for population, audit and ROAR)."
    )
    var schedule: LearningRateSchedule?
    @Option(help: "Label smoothing for the cross-entropy.") var labelSmoothing: Float = 0
    @Option(help: "Random-crop augmentation: zero padding in pixels (0 = off).") var cropPadding: Int = 0
    @Flag(help: "Random horizontal-flip augmentation.") var flip = false

    /// Checks the options on their own, before any command runs (ArgumentParser calls this
    /// after parsing): the widths of --hidden, and the training settings
    /// (`TrainingConfiguration.validate()`). Checks that need the data run in the command,
    /// still before its output folder exists.
    func validate() throws {
        if let hidden { _ = try checkingOptions { try parseHiddenWidths(hidden) } }
        if let epochs, epochs < 0 { throw ValidationError("--epochs must be 0 or more, got \(epochs)") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        if let lr, !(lr.isFinite && lr > 0) {
            throw ValidationError("--lr must be a positive finite number, got \(lr)")
        }
        guard cropPadding >= 0 else { throw ValidationError("--crop-padding must be 0 or more, got \(cropPadding)") }
        do { try training(defaultEpochs: 1).validate() } catch {
            throw ValidationError(error.description)
        }
    }

    /// The recipe these options describe.
    var recipe: ModelRecipe {
        var recipe = ModelRecipe(model: model, hidden: hidden, epochs: epochs)
        recipe.batchSize = batchSize
        recipe.learningRate = lr
        recipe.optimizer = optimizer
        recipe.normalization = normalizationOption.normalization
        recipe.momentum = momentum
        recipe.nesterov = nesterov
        recipe.weightDecay = weightDecay
        recipe.schedule = schedule
        recipe.labelSmoothing = labelSmoothing
        recipe.augmentation = Augmentation(cropPadding: cropPadding, horizontalFlip: flip)
        return recipe
    }

    /// A training configuration with these options, `defaultEpochs` when --epochs is absent.
    func training(defaultEpochs: Int) -> TrainingConfiguration { recipe.training(defaultEpochs: defaultEpochs) }
}
