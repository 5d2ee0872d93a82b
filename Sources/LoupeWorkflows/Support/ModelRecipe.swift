import LoupeData
import LoupeNN

/// The architecture and the basic training recipe of a workflow that trains: an
/// architecture by name (sized to the data when it is loaded) and the settings every
/// command that trains shares.
public struct ModelRecipe: Sendable, Equatable {
    /// `mlp`, `cnn`, `resnet-mini`, or an architecture JSON file.
    public var model: String
    /// Hidden widths for mlp (comma-separated), or the hidden width of cnn.
    public var hidden: String?
    /// Training epochs; nil for the workflow's default.
    public var epochs: Int?
    public var batchSize = 128
    /// Learning rate; nil for 0.05 with SGD, 0.001 with Adam and AdamW.
    public var learningRate: Float?
    public var optimizer: TrainingConfiguration.OptimizerKind = .sgd
    /// How the model normalises its inputs (`--normalize`): its first layer unless ``InputNormalization/none``.
    public var normalization: InputNormalization = .none
    /// SGD momentum.
    public var momentum: Float = 0.9
    /// Nesterov momentum (SGD).
    public var nesterov = false
    /// Weight decay (biases and norm parameters excluded).
    public var weightDecay: Float = 0
    /// The learning-rate schedule; nil for the workflow's default (constant for `train` and
    /// `difficulty`, cosine for populations and remove-and-retrain).
    public var schedule: LearningRateSchedule?
    /// Label smoothing of the cross-entropy.
    public var labelSmoothing: Float = 0
    /// Random crop and flip of training batches.
    public var augmentation: Augmentation = .none

    public init(model: String = "cnn", hidden: String? = nil, epochs: Int? = nil) {
        self.model = model
        self.hidden = hidden
        self.epochs = epochs
    }

    /// The architecture sized for `data` (``resolveArchitecture(_:hidden:data:)``), the
    /// training split, with ``normalization`` as its first layer (statistics from `data`).
    public func architecture(for data: Dataset) throws -> Architecture {
        try normalization.applied(to: try resolveArchitecture(model, hidden: hidden, data: data), train: data)
    }

    /// A training configuration with these settings, `defaultEpochs` when ``epochs`` is nil
    /// and `defaultSchedule` when ``schedule`` is.
    public func training(
        defaultEpochs: Int, defaultSchedule: LearningRateSchedule = .constant
    ) -> TrainingConfiguration {
        var training = TrainingConfiguration()
        training.epochs = epochs ?? defaultEpochs
        training.batchSize = batchSize
        training.optimizer = optimizer
        training.learningRate = learningRate ?? (optimizer == .sgd ? 0.05 : 0.001)
        training.momentum = momentum
        training.nesterov = nesterov
        training.weightDecay = weightDecay
        training.schedule = schedule ?? defaultSchedule
        training.labelSmoothing = labelSmoothing
        training.augmentation = augmentation
        return training
    }
}
