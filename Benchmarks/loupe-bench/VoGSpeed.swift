import Foundation
import LoupeAudit
import LoupeData
import LoupeNN
import LoupeTensor

/// Wall time of VoG over every training image and `checkpoints` checkpoints of `cnn`: input
/// gradients of the label's logit at each checkpoint (streamed into the Welford accumulator,
/// one checkpoint in memory at a time) and the scores. The checkpoints are independently
/// initialised models: the arithmetic is the same as for trained ones.
func runVoGSpeed(
    splits: DatasetSplits, dataName: String, checkpoints: Int, threads: Int, emit: ([String: Any]) -> Void
) throws {
    let train = splits.train
    let architecture = Architecture.builtin("cnn", inputShape: [1, 28, 28], classes: 10)!
    let labels = train.labels.map(Int.init)
    var vog = VarianceOfGradients(exampleCount: train.count, mapSize: 784)
    let start = DispatchTime.now().uptimeNanoseconds
    for checkpoint in 0..<checkpoints {
        let model = try Model(architecture: architecture, seed: UInt64(checkpoint))
        var gradients: [Float] = []
        gradients.reserveCapacity(train.count * 784)
        for batch in stride(from: 0, to: train.count, by: 512) {
            let positions = Array(batch..<min(batch + 512, train.count))
            gradients +=
                model.inputGradients(
                    train.images(at: positions), classes: positions.map { labels[$0] },
                    batching: InputGradientBatching(for: model, threads: threads)
                ).gradients.scalars
        }
        try vog.add(gradients, shape: [train.count, 1, 28, 28])
    }
    let scores = try vog.scores()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    precondition(scores.count == train.count)
    emit([
        "metric": "vog", "model": "cnn", "examples": train.count, "checkpoints": checkpoints, "seconds": seconds,
        "images_per_second": Double(train.count * checkpoints) / seconds, "threads": threads, "data": dataName,
    ])
}
