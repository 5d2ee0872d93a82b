import ArgumentParser
import LoupeData
import LoupeNN
import LoupeWorkflows

/// The architecture and the basic training recipe, shared by every command that trains.
struct ModelOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Architecture: mlp, cnn, resnet-mini, or an architecture JSON file. Training it must fit the memory budget (4 GiB; set LOUPE_MEMORY_BUDGET to change it).",
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

    /// Checks the options on their own, before any command runs (ArgumentParser calls this
    /// after parsing): the widths of --hidden, and the training settings --epochs,
    /// --batch-size and --lr (`TrainingConfiguration.validate()`). Checks that need the data
    /// run in the command, still before its output folder exists.
    func validate() throws {
        if let hidden { _ = try checkingOptions { try parseHiddenWidths(hidden) } }
        if let epochs, epochs < 0 { throw ValidationError("--epochs must be 0 or more, got \(epochs)") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        if let lr, !(lr.isFinite && lr > 0) {
            throw ValidationError("--lr must be a positive finite number, got \(lr)")
        }
    }

    /// The recipe these options describe.
    var recipe: ModelRecipe {
        var recipe = ModelRecipe(model: model, hidden: hidden, epochs: epochs)
        recipe.batchSize = batchSize
        recipe.learningRate = lr
        recipe.optimizer = optimizer
        recipe.normalization = normalizationOption.normalization
        return recipe
    }

    /// A training configuration with these options, `defaultEpochs` when --epochs is absent.
    func training(defaultEpochs: Int) -> TrainingConfiguration { recipe.training(defaultEpochs: defaultEpochs) }
}
