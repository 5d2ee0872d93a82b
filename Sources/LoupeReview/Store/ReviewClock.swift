import Foundation

/// Timestamps of the verdict log.
enum ReviewClock {
    /// The current time as ISO 8601 UTC with milliseconds: `2026-12-03T14:05:09.123Z`.
    static func now() -> String {
        timestamp(Date())
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }
}
