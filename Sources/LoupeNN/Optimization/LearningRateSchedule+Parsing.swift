import LoupeSupport

/// A string that does not describe a learning-rate schedule.
public struct LearningRateScheduleParseError: LoupeError, Equatable {
    /// The whole string that failed to parse.
    public var input: String
    /// What is wrong with it.
    public var reason: String

    public var source: String { "" }

    public var problem: String {
        "invalid learning-rate schedule '\(input)': \(reason) "
            + "(expected constant, step:INTERVAL:GAMMA, cosine, cosine:min=RATE, or warmup:STEPS+SCHEDULE)"
    }
}

extension LearningRateSchedule: LosslessStringConvertible {
    /// Parses a schedule from its string form.
    ///
    /// | String                 | Schedule                                        |
    /// |------------------------|-------------------------------------------------|
    /// | `constant`             | ``constant``                                    |
    /// | `step:30:0.1`          | ``step(interval:gamma:)``, ×0.1 every 30 steps  |
    /// | `cosine`               | ``cosine(minimum:)`` annealing to 0             |
    /// | `cosine:min=1e-5`      | ``cosine(minimum:)`` annealing to 1e-5          |
    /// | `warmup:500+cosine`    | ``warmup(steps:then:)`` of 500 steps, then cosine |
    /// | `warmup:500`           | ``warmup(steps:then:)`` of 500 steps, then constant |
    public init(parsing text: String) throws(LearningRateScheduleParseError) {
        self = try Self.parse(text[...], input: text)
    }

    /// Parses a schedule from its string form, or returns `nil`; see ``init(parsing:)``.
    public init?(_ description: String) {
        guard let schedule = try? Self(parsing: description) else { return nil }
        self = schedule
    }

    /// The string form, which ``init(parsing:)`` parses back to an equal schedule.
    public var description: String {
        switch self {
        case .constant: "constant"
        case .step(let interval, let gamma): "step:\(interval):\(gamma)"
        case .cosine(let minimum): minimum == 0 ? "cosine" : "cosine:min=\(minimum)"
        case .warmup(let steps, let schedule): "warmup:\(steps)+\(schedule)"
        }
    }

    private static func parse(
        _ text: Substring, input: String
    ) throws(LearningRateScheduleParseError) -> Self {
        func failure(_ reason: String) -> LearningRateScheduleParseError {
            LearningRateScheduleParseError(input: input, reason: reason)
        }
        if text.hasPrefix("warmup:") {
            let arguments = text.dropFirst("warmup:".count)
            let stepsText = arguments.prefix { $0 != "+" }
            guard let steps = Int(stepsText), steps > 0 else {
                throw failure("warm-up length '\(stepsText)' is not a positive integer")
            }
            guard arguments.count > stepsText.count else { return .warmup(steps: steps, then: .constant) }
            let following = arguments.dropFirst(stepsText.count + 1)
            guard !following.isEmpty else { throw failure("nothing follows '+'") }
            return .warmup(steps: steps, then: try parse(following, input: input))
        }
        let fields = text.split(separator: ":", omittingEmptySubsequences: false)
        switch (fields[0], fields.count) {
        case ("constant", 1):
            return .constant
        case ("step", 3):
            guard let interval = Int(fields[1]), interval > 0 else {
                throw failure("step interval '\(fields[1])' is not a positive integer")
            }
            guard let gamma = Float(fields[2]), gamma.isFinite, gamma > 0 else {
                throw failure("step factor '\(fields[2])' is not a positive number")
            }
            return .step(interval: interval, gamma: gamma)
        case ("cosine", 1):
            return .cosine(minimum: 0)
        case ("cosine", 2) where fields[1].hasPrefix("min="):
            let minimumText = fields[1].dropFirst("min=".count)
            guard let minimum = Float(minimumText), minimum.isFinite, minimum >= 0 else {
                throw failure("cosine minimum '\(minimumText)' is not a non-negative number")
            }
            return .cosine(minimum: minimum)
        case ("constant", _), ("step", _), ("cosine", _):
            throw failure("wrong arguments for '\(fields[0])'")
        default:
            throw failure(text.isEmpty ? "empty schedule" : "unknown schedule '\(fields[0])'")
        }
    }
}
