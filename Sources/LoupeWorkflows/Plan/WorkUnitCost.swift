import Foundation
import LoupeCompress
import LoupeData
import LoupeNN
import LoupeSupport
import LoupeTensor

/// What one run's work units cost, measured on this machine with one thread: a short burst
/// of training and of evaluation, extrapolated to each unit's epochs and examples.
public struct WorkUnitCost: Sendable, Equatable {
    /// Each unit's name and estimated seconds on one core, in unit order.
    public var units: [(name: String, seconds: Double)]
    /// Seconds to start a task: read and decode the data, build the population.
    public var startSeconds: Double
    /// Peak resident memory of a task measured during the burst, in bytes.
    public var peakMemoryBytes: Int
    /// Seconds of one training step (one batch) and of evaluating one example, measured.
    public var stepSeconds: Double
    public var evaluationSecondsPerExample: Double

    public init(
        units: [(name: String, seconds: Double)], startSeconds: Double, peakMemoryBytes: Int, stepSeconds: Double,
        evaluationSecondsPerExample: Double
    ) {
        (self.units, self.startSeconds, self.peakMemoryBytes) = (units, startSeconds, peakMemoryBytes)
        (self.stepSeconds, self.evaluationSecondsPerExample) = (stepSeconds, evaluationSecondsPerExample)
    }

    public static func == (a: WorkUnitCost, b: WorkUnitCost) -> Bool {
        a.units.map(\.name) == b.units.map(\.name) && a.units.map(\.seconds) == b.units.map(\.seconds)
            && a.startSeconds == b.startSeconds && a.peakMemoryBytes == b.peakMemoryBytes
    }

    /// Seconds shard `K/N` takes on one core: its units and its start.
    public func seconds(of shard: Shard) -> Double {
        startSeconds + units.enumerated().filter { shard.owns(unit: $0.offset) }.map(\.element.seconds).reduce(0, +)
    }

    /// Measures the population `spec` describes: `steps` timed training steps of a fresh
    /// member (after one untimed), one evaluation batch, and the data loading that preceded it
    /// (`startSeconds`, measured by the caller).
    static func measure(
        spec: PopulationSpec, givenModels: Bool, train: Dataset, evaluate: Dataset, startSeconds: Double,
        steps: Int = 8
    ) throws -> WorkUnitCost {
        var configuration = spec.training
        configuration.threads = 1
        var trainer = try Trainer(
            model: try Model(architecture: spec.architecture, seed: spec.firstSeed), configuration: configuration)
        var clock: Stopwatch?
        var timed = 0
        do {
            try trainer.train(on: train, test: nil) { event, _ in
                guard case .batch = event else { return }
                if clock == nil {
                    clock = Stopwatch()  // the first step warms caches and allocations up
                    return
                }
                timed += 1
                if timed == steps { throw BurstFinished() }
            }
        } catch is BurstFinished {}
        let stepSeconds = (clock?.elapsedSeconds ?? 0) / Double(max(timed, 1))
        let batch = Array(0..<min(256, evaluate.count))
        let evaluation = Stopwatch()
        _ = trainer.model.logits(evaluate.images(at: batch))
        let perExample = evaluation.elapsedSeconds / Double(max(batch.count, 1))

        let stepsPerEpoch = (train.count + configuration.batchSize - 1) / configuration.batchSize
        let evaluationSeconds = perExample * Double(evaluate.count)
        func trainingSeconds(epochs: Int) -> Double { stepSeconds * Double(stepsPerEpoch * epochs) }
        func derivedSeconds(_ variant: CompressionVariant) -> Double {
            switch variant {
            case .oneShot(_, _, let epochs): trainingSeconds(epochs: epochs) + evaluationSeconds
            // Calibration and quantization are a few forward passes; evaluation dominates.
            default: 2 * evaluationSeconds
            }
        }
        var units: [(String, Double)] = []
        let derived = spec.orderedVariants.filter { !$0.isTrained }
        for variant in spec.orderedVariants where variant.isTrained {
            for index in 0..<spec.members {
                var seconds = evaluationSeconds
                if !(variant == .dense && givenModels) { seconds += trainingSeconds(epochs: configuration.epochs) }
                if variant == .dense { seconds += derived.map(derivedSeconds).reduce(0, +) }
                units.append(("\(variant.name) #\(index)", seconds))
            }
        }
        return WorkUnitCost(
            units: units, startSeconds: startSeconds, peakMemoryBytes: ResourceUsage.current().peakResidentBytes,
            stepSeconds: stepSeconds, evaluationSecondsPerExample: perExample)
    }
}

/// Stops the measured burst of training: control flow, never reported.
private struct BurstFinished: Error {}
