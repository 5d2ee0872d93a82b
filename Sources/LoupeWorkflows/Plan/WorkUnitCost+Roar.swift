import Foundation
import LoupeAttribution
import LoupeData
import LoupeNN

extension WorkUnitCost {
    /// The units of a remove-and-retrain benchmark (``RemoveAndRetrainSpec/jobs``), each a
    /// model trained on the modified training set and evaluated on the modified test set, and
    /// the preparation every unit needs: the base model, its predictions (the maps' targets)
    /// and every method's maps of the training and test images.
    ///
    /// Each method's maps are timed on one batch of up to 32 images, on one thread. A task
    /// also holds one method's maps and a modified copy of the images.
    static func roar(
        spec: RemoveAndRetrainSpec, methods: [any AttributionMethod], train: Dataset, test: Dataset,
        startSeconds: Double
    ) throws -> WorkUnitCost {
        let (speed, model) = try TrainingSpeed.measure(
            architecture: spec.architecture, training: spec.training, seed: spec.seed, train: train, evaluate: test)
        let retrainSeconds =
            speed.trainingSeconds(examples: train.count, epochs: spec.training.epochs)
            + speed.evaluationSeconds(examples: test.count)
        let batch = Array(0..<min(spec.mapBatchSize, 32, train.count))
        let images = train.images(at: batch)
        let targets = train.labels(at: batch).map(Int.init)
        var mapSeconds = 0.0
        for method in methods {
            mapSeconds += try TrainingSpeed.secondsPerExample(of: batch.count) {
                _ = try method.attributions(
                    images, targets: targets, model: model, seeds: batch.map { UInt64($0) })
            }
        }
        let examples = train.count + test.count
        let preparation =
            speed.trainingSeconds(examples: train.count, epochs: spec.training.epochs)
            + speed.evaluationSeconds(examples: 2 * examples) + mapSeconds * Double(examples)
        let shape = train.shape
        let heldBytes = 2 * 4 * examples * shape.channels * shape.height * shape.width
        return WorkUnitCost(
            units: spec.jobs.map { ($0.name, retrainSeconds) },
            preparation: ("the base model and the maps of \(methods.map(\.name).joined(separator: ", "))", preparation),
            startSeconds: startSeconds, heldBytes: heldBytes, speed: speed)
    }
}
