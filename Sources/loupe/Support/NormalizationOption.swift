import ArgumentParser
import LoupeWorkflows

/// `--normalize`: how a model made by the command normalises its inputs. Shared by every
/// command that builds models (through ``ModelOptions``, and the invariance benchmark).
struct NormalizationOption: ParsableArguments {
    @Option(
        name: .customLong("normalize"),
        help: ArgumentHelp(
            "Input normalisation, the model's first layer (stored in its checkpoints, applied by every command that loads them): none (pixels / 255), dataset (the training split's per-channel mean and std) or M,M,M:S,S,S (one mean and one positive std per channel; M:S for grey images).",
            valueName: "none|dataset|M:S"))
    var text: String = "none"

    /// Checks the option's form (the channel count is checked against the data later, still
    /// before any output is written).
    func validate() throws { _ = try checkingOptions { try InputNormalization(parsing: text) } }

    /// The normalisation (``validate()`` has checked that it parses).
    var normalization: InputNormalization { (try? InputNormalization(parsing: text)) ?? .none }
}
