/// Which way a difficulty score points.
public enum ScoreDirection: String, Sendable, Equatable {
    /// A higher score means a harder (or more suspicious) example.
    case higherIsHarder = "higher-is-harder"
    /// A higher score means an easier example.
    case higherIsEasier = "higher-is-easier"
}
