/// Which way compression moved a class's relative recall, for a class whose Welch test is
/// significant.
public enum ImpactDirection: String, Sendable, Equatable {
    /// The compressed population's mean is lower: compression hurt the class.
    case hurt
    /// The compressed population's mean is higher: compression helped the class.
    case helped
    /// The p-value is above the significance level: no disparate impact detected.
    case notSignificant = "not-significant"
}
