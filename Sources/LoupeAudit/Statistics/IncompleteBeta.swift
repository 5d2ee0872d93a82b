import Foundation

/// The regularized incomplete beta function `I_x(a, b)`, the CDF of the Beta(a, b)
/// distribution, evaluated by its continued fraction with the modified Lentz method
/// (Numerical Recipes, 3rd ed., section 6.4, `betacf`). Relative accuracy is about 1e-15
/// for moderate `a` and `b`.
package enum IncompleteBeta {
    /// `I_x(a, b)` for `a > 0`, `b > 0` and `x` in `[0, 1]`; NaN outside that domain.
    package static func regularized(a: Double, b: Double, x: Double) -> Double {
        regularized(a: a, b: b, x: x, oneMinusX: 1 - x)
    }

    /// `I_x(a, b)` given both `x` and `1 - x`, so callers that know `1 - x` exactly (for
    /// example the Student t tail, where `1 - x = t^2 / (df + t^2)`) avoid cancellation.
    static func regularized(a: Double, b: Double, x: Double, oneMinusX: Double) -> Double {
        guard a > 0, b > 0, x >= 0, x <= 1, !x.isNaN else { return .nan }
        if x == 0 { return 0 }
        if oneMinusX == 0 { return 1 }
        let logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * log(x) + b * log(oneMinusX)
        let front = exp(logFront)
        if x < (a + 1) / (a + b + 2) {
            return front * continuedFraction(a: a, b: b, x: x) / a
        }
        return 1 - front * continuedFraction(a: b, b: a, x: oneMinusX) / b
    }

    /// `log(Gamma(value))` for `value > 0`, by the reentrant `lgamma_r` (plain `lgamma` writes
    /// the global `signgam`, a data race when tests run on several threads).
    private static func logGamma(_ value: Double) -> Double {
        var sign: Int32 = 0
        return lgamma_r(value, &sign)
    }

    /// The continued fraction for `I_x(a, b)` (Numerical Recipes' `betacf`), which converges
    /// quickly for `x < (a + 1) / (a + b + 2)`.
    private static func continuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300
        let epsilon = 1e-16
        let sum = a + b
        let aPlusOne = a + 1
        let aMinusOne = a - 1
        var c = 1.0
        var d = 1 - sum * x / aPlusOne
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m)
            let m2 = 2 * m
            // Even step.
            var term = m * (b - m) * x / ((aMinusOne + m2) * (a + m2))
            d = 1 + term * d
            if abs(d) < tiny { d = tiny }
            c = 1 + term / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            // Odd step.
            term = -(a + m) * (sum + m) * x / ((a + m2) * (aPlusOne + m2))
            d = 1 + term * d
            if abs(d) < tiny { d = tiny }
            c = 1 + term / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return h
    }
}
