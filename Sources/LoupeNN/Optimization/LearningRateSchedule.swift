import Foundation

/// How the learning rate changes over a training run.
///
/// A schedule maps a zero-based step index to a rate, given the base rate and the run's
/// total step count. "Step" means whatever unit the caller counts in: pass optimizer steps
/// to change the rate every step, or epochs to change it once per epoch.
///
/// Schedules are written as short strings on the command line and in configuration files;
/// see ``init(parsing:)``.
public indirect enum LearningRateSchedule: Sendable, Hashable {
    /// The base rate at every step.
    case constant
    /// The base rate multiplied by `gamma` once every `interval` steps, like PyTorch's `StepLR`.
    case step(interval: Int, gamma: Float)
    /// Cosine annealing from the base rate at step 0 to `minimum` at the last step, like
    /// PyTorch's `CosineAnnealingLR` with `T_max` equal to the total step count. The rate
    /// stays at `minimum` beyond the last step.
    case cosine(minimum: Float)
    /// A linear rise from 0 at step 0 to the base rate at step `steps`, followed by
    /// `schedule` counted from the end of the warm-up over the remaining steps.
    case warmup(steps: Int, then: LearningRateSchedule)

    /// The learning rate for step `step` of a run of `totalSteps` steps.
    ///
    /// - Precondition: `step` is non-negative and `totalSteps` positive.
    public func learningRate(atStep step: Int, baseRate: Float, totalSteps: Int) -> Float {
        precondition(step >= 0, "step must be non-negative, got \(step)")
        precondition(totalSteps > 0, "total step count must be positive, got \(totalSteps)")
        switch self {
        case .constant:
            return baseRate
        case .step(let interval, let gamma):
            return Float(Double(baseRate) * pow(Double(gamma), Double(step / interval)))
        case .cosine(let minimum):
            let progress = Double(min(step, totalSteps)) / Double(totalSteps)
            let base = Double(baseRate)
            let floor = Double(minimum)
            return Float(floor + (base - floor) * (1 + cos(Double.pi * progress)) / 2)
        case .warmup(let steps, let schedule):
            guard step >= steps else { return Float(Double(baseRate) * Double(step) / Double(steps)) }
            return schedule.learningRate(
                atStep: step - steps, baseRate: baseRate, totalSteps: max(totalSteps - steps, 1))
        }
    }
}

extension LearningRateSchedule: Codable {
    /// Decodes a schedule from its string form, such as `"warmup:500+cosine"`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            self = try Self(parsing: container.decode(String.self))
        } catch let error as LearningRateScheduleParseError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes the schedule as its string form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
