import LoupeNN

/// One line of `metrics.jsonl`: an epoch's metrics without its timing, which goes to the
/// manifest (``LoupeReport/RunRecorder/recordPhase(_:seconds:)``), so that the file is
/// identical when the run is repeated.
package struct EpochMetricsLine: Codable {
    var epoch: Int
    var step: Int
    var learningRate: Float
    var trainLoss: Double
    var trainAccuracy: Double
    var testLoss: Double?
    var testAccuracy: Double?

    package init(_ metrics: EpochMetrics) {
        epoch = metrics.epoch
        step = metrics.step
        learningRate = metrics.learningRate
        trainLoss = metrics.trainLoss
        trainAccuracy = metrics.trainAccuracy
        testLoss = metrics.testLoss
        testAccuracy = metrics.testAccuracy
    }
}
