import Foundation
import LoupeAttribution
import LoupeSupport

/// Shows what a remove-and-retrain run is doing: a line per phase (base model, each method's
/// maps, retraining) and a progress line with rate and ETA while it works. A shard task also
/// says when it makes the base model or maps it found missing.
final class RoarProgress: @unchecked Sendable {
    private let progress: any WorkflowProgress
    private let shard: Shard?
    private let lock = NSLock()
    private var line: (any ProgressMeter)?

    init(_ progress: any WorkflowProgress, shard: Shard? = nil) { (self.progress, self.shard) = (progress, shard) }

    func handle(_ event: RemoveAndRetrainEvent) {
        lock.lock()
        let current = line
        lock.unlock()
        switch event {
        case .advanced(let count):
            current?.advance(by: count)
        case .retrainFinished(let record, let reused):
            guard !reused else { return }
            current?.log(
                String(
                    format: "  %@ %@ %@%%  #%d  accuracy %.4f  %.1fs", record.method, record.mode.rawValue,
                    roarFractionText(record.percent), record.retrain, record.accuracy, record.seconds))
        case .baseTrainingStarted(let images):
            if let shard {
                progress.log("shard \(shard): the base model is missing or damaged; this task makes it (base/)")
            }
            start(progress.meter("base model: training images", total: images))
        case .baseModelReady(let record, let reused):
            stop()
            progress.log(
                String(
                    format: "base model: test accuracy %.4f (%@)", record.accuracy,
                    reused ? "verified, reused" : String(format: "trained in %.1fs", record.seconds)))
        case .mapsStarted(let method, let examples):
            if let shard {
                progress.log(
                    "shard \(shard): the maps of \(method) are missing or damaged; this task makes them (maps/)")
            }
            start(progress.meter("maps \(method): examples", total: examples))
        case .mapsReady(let record, let reused):
            stop()
            progress.log(
                "maps \(record.method): "
                    + (reused ? "verified, reused" : String(format: "computed in %.1fs", record.seconds)))
        case .retrainsPlanned(let total, let toTrain, let images):
            progress.log("retrains: \(total) in all, \(total - toTrain) verified and reused, \(toTrain) to train")
            if toTrain > 0 { start(progress.meter("retraining: training images", total: images)) }
        }
    }

    /// Ends the progress line, if any.
    func stop() {
        lock.lock()
        let current = line
        line = nil
        lock.unlock()
        current?.finish()
    }

    private func start(_ meter: any ProgressMeter) {
        stop()
        lock.lock()
        line = meter
        lock.unlock()
    }
}

/// `10` for whole percentages, `12.5` otherwise.
func roarFractionText(_ percent: Double) -> String {
    percent == percent.rounded() && abs(percent) < 1e15 ? String(Int(percent)) : String(percent)
}
