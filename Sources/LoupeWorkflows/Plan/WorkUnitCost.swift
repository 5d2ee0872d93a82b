import Foundation
import LoupeCompress
import LoupeData
import LoupeNN
import LoupeSupport
import LoupeTensor

/// What one run's work units cost, measured on this machine with one thread: a short burst
/// of training and of evaluation (``TrainingSpeed``), extrapolated to each unit's epochs and
/// examples.
public struct WorkUnitCost: Sendable, Equatable {
    /// Each unit's name and estimated seconds on one core, in unit order.
    public var units: [(name: String, seconds: Double)]
    /// What every unit needs made first, once, before the array's tasks start (ROAR's base
    /// model and maps), and its estimated seconds on one core; nil when units need nothing.
    public var preparation: (name: String, seconds: Double)?
    /// Seconds to start a task: read and decode the data, build the population.
    public var startSeconds: Double
    /// Seconds on one core of the work only the collect job does beyond reading the units'
    /// outputs and writing the report: an audit's latency measurement (an upper bound).
    public var collectSeconds: Double = 0
    /// Peak resident memory of a task, in bytes: measured during the burst, plus the arrays a
    /// unit holds that the burst did not (a difficulty run's gradients and logits, ROAR's maps).
    public var peakMemoryBytes: Int
    /// Seconds of one training step (one batch) and of evaluating one example, measured.
    public var stepSeconds: Double
    public var evaluationSecondsPerExample: Double

    public init(
        units: [(name: String, seconds: Double)], preparation: (name: String, seconds: Double)? = nil,
        startSeconds: Double, peakMemoryBytes: Int, stepSeconds: Double, evaluationSecondsPerExample: Double
    ) {
        (self.units, self.preparation, self.startSeconds, self.peakMemoryBytes) = (
            units, preparation, startSeconds, peakMemoryBytes
        )
        (self.stepSeconds, self.evaluationSecondsPerExample) = (stepSeconds, evaluationSecondsPerExample)
    }

    init(
        units: [(name: String, seconds: Double)], preparation: (name: String, seconds: Double)? = nil,
        startSeconds: Double, heldBytes: Int = 0, speed: TrainingSpeed
    ) {
        let measured = ResourceUsage.current().peakResidentBytes
        self.init(
            units: units, preparation: preparation, startSeconds: startSeconds,
            peakMemoryBytes: measured.addingReportingOverflow(heldBytes).overflow ? .max : measured + heldBytes,
            stepSeconds: speed.stepSeconds, evaluationSecondsPerExample: speed.evaluationSecondsPerExample)
    }

    public static func == (a: WorkUnitCost, b: WorkUnitCost) -> Bool {
        a.units.map(\.name) == b.units.map(\.name) && a.units.map(\.seconds) == b.units.map(\.seconds)
            && a.preparation?.name == b.preparation?.name && a.preparation?.seconds == b.preparation?.seconds
            && a.startSeconds == b.startSeconds && a.collectSeconds == b.collectSeconds
            && a.peakMemoryBytes == b.peakMemoryBytes
    }

    /// Seconds shard `K/N` takes on one core: its units and its start.
    public func seconds(of shard: Shard) -> Double {
        startSeconds + units.enumerated().filter { shard.owns(unit: $0.offset) }.map(\.element.seconds).reduce(0, +)
    }

    /// The units of the population `spec` describes (``PopulationRunner/workUnits``): each
    /// trained member, with the members derived from dense member i in dense member i's unit.
    ///
    /// `latencyRuns` rounds of the audit's latency measurement (0 for none) add to the collect
    /// job: each round times every kernel of every population's member 0 at batch 1 and at
    /// a batch of up to 128, counted here as two such batches (a batch of one costs less than
    /// a full one), and up to two kernels per population (dense, and sparse or integer).
    static func population(
        spec: PopulationSpec, givenModels: Bool, train: Dataset, evaluate: Dataset, startSeconds: Double,
        latencyRuns: Int = 0
    ) throws -> WorkUnitCost {
        let (speed, _) = try TrainingSpeed.measure(
            architecture: spec.architecture, training: spec.training, seed: spec.firstSeed, train: train,
            evaluate: evaluate)
        let evaluationSeconds = speed.evaluationSeconds(examples: evaluate.count)
        func trainingSeconds(epochs: Int) -> Double { speed.trainingSeconds(examples: train.count, epochs: epochs) }
        func derivedSeconds(_ variant: CompressionVariant) -> Double {
            switch variant {
            case .oneShot(_, _, let epochs), .oneShotFilters(_, let epochs):
                trainingSeconds(epochs: epochs) + evaluationSeconds
            // Calibration and quantization are a few forward passes; evaluation dominates.
            default: 2 * evaluationSeconds
            }
        }
        var units: [(String, Double)] = []
        let derived = spec.orderedVariants.filter { !$0.isTrained }
        for variant in spec.orderedVariants where variant.isTrained {
            for index in 0..<spec.members {
                var seconds = evaluationSeconds
                if !(variant == .dense && givenModels) { seconds += trainingSeconds(epochs: spec.training.epochs) }
                if variant == .dense { seconds += derived.map(derivedSeconds).reduce(0, +) }
                units.append(("\(variant.name) #\(index)", seconds))
            }
        }
        var cost = WorkUnitCost(units: units, startSeconds: startSeconds, speed: speed)
        let timedImages = 2 * min(128, evaluate.count)
        cost.collectSeconds =
            Double(latencyRuns * 2 * spec.orderedVariants.count * timedImages) * speed.evaluationSecondsPerExample
        return cost
    }
}
