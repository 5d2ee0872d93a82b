import Foundation
import LoupeNN
import LoupeRandom
import LoupeSupport

/// What a remove-and-retrain (ROAR/KAR) benchmark computes: the data, the model and its
/// training recipe, the attribution methods, the fractions, the modes and the number of
/// retrained models per cell. Stored as `roar.json`.
///
/// Seeds: the base model is trained with `seed`; retrain `r` of every cell with
/// `seed + 1 + r`, so all cells share their initial weights and batch orders (common random
/// numbers: differences between cells come from the data, not from the draw); stochastic maps
/// draw per example from ``ExampleSeeds`` of `seed`.
public struct RemoveAndRetrainSpec: Codable, Equatable, Sendable {
    /// The dataset, with any change to its splits spelled out (for example a limit on the
    /// number of examples), so that runs on different data are never mixed.
    public var data: String
    public var trainCount: Int
    public var testCount: Int
    public var architecture: Architecture
    /// The recipe of the base model and of every retrained model (its seed and thread count
    /// are set per model: every model trains on one thread).
    public var training: TrainingConfiguration
    public var seed: UInt64
    /// Attribution method names, controls included, in output order.
    public var methods: [String]
    /// Fractions of input elements ranked, in percent, each in (0, 100).
    public var percents: [Double]
    public var modes: [RetrainMode]
    /// Models retrained from scratch per (method, fraction, mode) cell.
    public var retrains: Int
    /// The blur of the `blurred-random` control, in pixels.
    public var blurSigma: Double = 2
    /// Examples per attribution call (fixed, so maps do not depend on the thread count).
    public var mapBatchSize: Int = 32
    /// Riemann steps of integrated gradients, noisy copies of the SmoothGrad family and their
    /// noise as a fraction of the input range: they change the cached maps, so a directory
    /// made with other values is refused.
    public var integratedGradientsSteps: Int = 50
    public var noisySamples: Int = 25
    public var noiseFraction: Double = 0.15

    public init(
        data: String, trainCount: Int, testCount: Int, architecture: Architecture, training: TrainingConfiguration,
        seed: UInt64, methods: [String], percents: [Double], modes: [RetrainMode], retrains: Int
    ) {
        self.data = data
        self.trainCount = trainCount
        self.testCount = testCount
        self.architecture = architecture
        self.training = training
        self.seed = seed
        self.methods = methods
        self.percents = percents
        self.modes = modes
        self.retrains = retrains
    }

    /// The seed of retrained model `retrain` (the same in every cell).
    package func retrainSeed(_ retrain: Int) -> UInt64 { SeedStream.retrain.seed(from: seed, index: retrain) }

    /// The spec without what a re-run may change (methods, fractions, modes and retrains are
    /// added to or dropped from a run freely; everything else fixes the base model and maps).
    var fixedPart: RemoveAndRetrainSpec {
        var fixed = self
        fixed.methods = []
        fixed.percents = []
        fixed.modes = []
        fixed.retrains = 0
        return fixed
    }

    /// Checks the settings; the error names the option at fault.
    public func validate() throws(InputError) {
        guard !methods.isEmpty else { throw InputError(source: "--methods", problem: "no method given") }
        if let repeated = methods.first(where: { name in methods.filter { $0 == name }.count > 1 }) {
            throw InputError(source: "--methods", problem: "method '\(repeated)' is listed twice")
        }
        guard !percents.isEmpty else { throw InputError(source: "--fractions", problem: "no fraction given") }
        if let bad = percents.first(where: { !($0 > 0 && $0 < 100) }) {
            throw InputError(
                source: "--fractions", problem: "fraction \(bad.compactText) is outside (0, 100) percent")
        }
        if let repeated = percents.first(where: { value in percents.filter { $0 == value }.count > 1 }) {
            throw InputError(source: "--fractions", problem: "fraction \(repeated.compactText) is listed twice")
        }
        guard !modes.isEmpty else { throw InputError(source: "--modes", problem: "no mode given") }
        if let repeated = modes.first(where: { mode in modes.filter { $0 == mode }.count > 1 }) {
            throw InputError(source: "--modes", problem: "mode '\(repeated.rawValue)' is listed twice")
        }
        guard retrains >= 1 else {
            throw InputError(source: "--retrains", problem: "must be at least 1, got \(retrains)")
        }
        guard blurSigma > 0, blurSigma.isFinite else {
            throw InputError(source: "--blur-sigma", problem: "must be positive, got \(blurSigma)")
        }
        guard mapBatchSize >= 1 else {
            throw InputError(source: "map batch size", problem: "must be at least 1, got \(mapBatchSize)")
        }
        guard training.epochs >= 1 else {
            throw InputError(source: "--epochs", problem: "must be at least 1, got \(training.epochs)")
        }
        do { try training.validate() } catch { throw InputError(source: "training", problem: error.description) }
        // Every retrain is planned (and its record kept) up front, and the images they
        // process are counted: both are checked before anything is allocated.
        let factors = [methods.count, percents.count, modes.count, retrains]
        do {
            try CheckedSize.bytes(
                factors, bytesPerElement: Self.bytesPerPlannedRetrain,
                for:
                    "\(factors.map(String.init).joined(separator: " x ")) retrains (methods x fractions x modes x --retrains)"
            )
        } catch { throw InputError(source: "--retrains", problem: "\(error)") }
        guard CheckedSize.product(factors + [trainCount, training.epochs]) != nil else {
            throw InputError(
                source: "--retrains",
                problem:
                    "\(retrains) retrains of \(training.epochs) epochs over \(trainCount) images are more images than a count can hold"
            )
        }
    }

    /// The bookkeeping one planned retrain needs (its job and its record), for the memory
    /// budget check of `validate()`.
    package static let bytesPerPlannedRetrain = 256

    /// SHA-256 of the part of the spec that fixes the base model and the maps (see
    /// `fixedPart`), recorded with every cached result so none is reused under another spec
    /// even if `roar.json` was removed.
    package var fixedPartHash: String {
        SHA256.hex(of: (try? DeterministicJSON.encode(fixedPart)) ?? Data())
    }

    /// Every retrain of the benchmark, in the order every shard task numbers them: by method,
    /// fraction, mode and retrain.
    public var jobs: [RetrainJob] {
        methods.flatMap { method in
            percents.flatMap { percent in
                modes.flatMap { mode in
                    (0..<retrains).map { RetrainJob(method: method, percent: percent, mode: mode, retrain: $0) }
                }
            }
        }
    }
}

extension Double {
    /// `10` for whole numbers, `12.5` otherwise: fractions in names and messages.
    var compactText: String {
        self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}
