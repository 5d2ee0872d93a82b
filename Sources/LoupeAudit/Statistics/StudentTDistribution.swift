/// Student's t distribution with a real, positive number of degrees of freedom (as the
/// Welch-Satterthwaite approximation produces), via the regularized incomplete beta function:
/// `P(T > |t|) = I_x(df / 2, 1 / 2) / 2` with `x = df / (df + t^2)`.
public struct StudentTDistribution: Sendable, Equatable {
    /// The degrees of freedom, positive (may be fractional).
    public var degreesOfFreedom: Double

    /// Creates the distribution with `degreesOfFreedom > 0`.
    public init(degreesOfFreedom: Double) {
        precondition(degreesOfFreedom > 0, "degrees of freedom must be positive")
        self.degreesOfFreedom = degreesOfFreedom
    }

    /// `P(T <= t)`.
    public func cdf(_ t: Double) -> Double {
        t < 0 ? upperTail(-t) : 1 - upperTail(t)
    }

    /// `P(T > t)`, computed without cancellation for large `t`.
    public func survival(_ t: Double) -> Double {
        t < 0 ? 1 - upperTail(-t) : upperTail(t)
    }

    /// The two-sided p-value `P(|T| >= |t|)`.
    public func twoSidedPValue(_ t: Double) -> Double {
        min(1, 2 * upperTail(abs(t)))
    }

    /// The `t` with `P(T <= t) = probability`, for `probability` in (0, 1): the cdf inverted
    /// by bisection to a relative precision of about 1e-12.
    public func quantile(_ probability: Double) -> Double {
        precondition(probability > 0 && probability < 1, "probability must be in (0, 1)")
        if probability < 0.5 { return -quantile(1 - probability) }
        var (low, high) = (0.0, 1.0)
        while survival(high) > 1 - probability { (low, high) = (high, 2 * high) }
        for _ in 0..<200 where high - low > 1e-12 * high {
            let middle = (low + high) / 2
            if survival(middle) > 1 - probability { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    /// `P(T > t)` for `t >= 0`.
    private func upperTail(_ t: Double) -> Double {
        if t.isNaN { return .nan }
        if t == .infinity { return 0 }
        let df = degreesOfFreedom
        let tSquared = t * t
        let x = df / (df + tSquared)
        let oneMinusX = tSquared / (df + tSquared)
        return IncompleteBeta.regularized(a: df / 2, b: 0.5, x: x, oneMinusX: oneMinusX) / 2
    }
}
