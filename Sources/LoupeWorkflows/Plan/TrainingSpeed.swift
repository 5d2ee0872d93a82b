import Foundation
import LoupeData
import LoupeNN
import LoupeSupport

/// How fast this machine trains and evaluates one model on one thread, measured on a short
/// burst: the base of every work unit's estimate (``WorkUnitCost``).
struct TrainingSpeed: Sendable {
    /// Seconds of one training step (one batch of `batchSize`).
    var stepSeconds: Double
    /// Seconds of evaluating one example (a forward pass in batches).
    var evaluationSecondsPerExample: Double
    var batchSize: Int

    /// Measures `steps` training steps of a fresh model (after one untimed step, which warms
    /// caches and allocations up) and one evaluation batch of up to 256 examples of `evaluate`.
    static func measure(
        architecture: Architecture, training: TrainingConfiguration, seed: UInt64, train: Dataset,
        evaluate: Dataset, steps: Int = 8
    ) throws -> (speed: TrainingSpeed, model: Model) {
        var configuration = training
        configuration.threads = 1
        var trainer = try Trainer(
            model: try Model(architecture: architecture, seed: seed), configuration: configuration)
        var clock: Stopwatch?
        var timed = 0
        do {
            try trainer.train(on: train, test: nil) { event, _ in
                guard case .batch = event else { return }
                if clock == nil {
                    clock = Stopwatch()
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
        let speed = TrainingSpeed(
            stepSeconds: stepSeconds,
            evaluationSecondsPerExample: evaluation.elapsedSeconds / Double(max(batch.count, 1)),
            batchSize: configuration.batchSize)
        return (speed, trainer.model)
    }

    /// Seconds of `epochs` epochs over `examples` training examples.
    func trainingSeconds(examples: Int, epochs: Int) -> Double {
        stepSeconds * Double((examples + batchSize - 1) / batchSize * epochs)
    }

    /// Seconds of evaluating `examples` examples.
    func evaluationSeconds(examples: Int) -> Double { evaluationSecondsPerExample * Double(examples) }

    /// Seconds `work` takes per example of `examples`, timed once on them.
    static func secondsPerExample(of examples: Int, _ work: () throws -> Void) rethrows -> Double {
        let clock = Stopwatch()
        try work()
        return clock.elapsedSeconds / Double(max(examples, 1))
    }
}

/// Stops the measured burst of training: control flow, never reported.
private struct BurstFinished: Error {}
