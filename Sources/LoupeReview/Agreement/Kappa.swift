/// Chance-corrected agreement between raters who put items into categories.
public enum Kappa {
    /// Cohen's kappa of two raters over the same items (`a[i]` and `b[i]` rate item `i`):
    /// `(p_o - p_e) / (1 - p_e)` with `p_o` the share of items they agree on and `p_e` the
    /// agreement expected from each rater's category frequencies. `nil` when there are no items
    /// or `p_e == 1` (both raters used one and the same category), where kappa is undefined.
    public static func cohen<Category: Hashable>(_ a: [Category], _ b: [Category]) -> Double? {
        precondition(a.count == b.count, "Cohen's kappa needs one rating per item from each rater")
        guard !a.isEmpty else { return nil }
        var countsA: [Category: Int] = [:]
        var countsB: [Category: Int] = [:]
        var agreements = 0
        for (x, y) in zip(a, b) {
            countsA[x, default: 0] += 1
            countsB[y, default: 0] += 1
            if x == y { agreements += 1 }
        }
        let n = a.count
        // Integer numerators keep p_e == 1 exact when both raters use one category.
        let chanceProducts = countsA.reduce(0) { $0 + $1.value * (countsB[$1.key] ?? 0) }
        guard chanceProducts != n * n else { return nil }
        let observed = Double(agreements) / Double(n)
        let chance = Double(chanceProducts) / (Double(n) * Double(n))
        return (observed - chance) / (1 - chance)
    }

    /// The share of items two raters put in the same category; `nil` without items.
    public static func observedAgreement<Category: Equatable>(_ a: [Category], _ b: [Category]) -> Double? {
        precondition(a.count == b.count, "observed agreement needs one rating per item from each rater")
        guard !a.isEmpty else { return nil }
        return Double(zip(a, b).filter { $0 == $1 }.count) / Double(a.count)
    }

    /// Fleiss' kappa of a table with one row per item and one column per category, each cell
    /// the number of raters who put the item in that category; rows may have different totals
    /// (generalised to a varying number of raters per item).
    ///
    /// With `n_i` the raters of item `i` and `n_ij` those choosing category `j`:
    /// `P_i = (sum_j n_ij^2 - n_i) / (n_i (n_i - 1))`, `P_bar` the mean of the `P_i`,
    /// `p_j = sum_i n_ij / sum_i n_i`, `P_e = sum_j p_j^2` and kappa `(P_bar - P_e) / (1 - P_e)`.
    /// Rows with fewer than two raters are skipped; `nil` when no row is left or `P_e == 1`.
    public static func fleiss(_ table: [[Int]]) -> Double? {
        let rows = table.filter { $0.reduce(0, +) >= 2 }
        guard let categories = rows.first?.count else { return nil }
        precondition(rows.allSatisfy { $0.count == categories }, "Fleiss' kappa needs one count per category")
        var agreementSum = 0.0
        var totals = [Int](repeating: 0, count: categories)
        var raterSum = 0
        for row in rows {
            let raters = row.reduce(0, +)
            let squares = row.reduce(0) { $0 + $1 * $1 }
            agreementSum += Double(squares - raters) / Double(raters * (raters - 1))
            for (j, count) in row.enumerated() { totals[j] += count }
            raterSum += raters
        }
        // Integer numerator: P_e == 1 exactly when every rating is in one category.
        let squaredTotals = totals.reduce(0) { $0 + $1 * $1 }
        guard squaredTotals != raterSum * raterSum else { return nil }
        let meanAgreement = agreementSum / Double(rows.count)
        let chance = totals.reduce(0.0) { $0 + (Double($1) / Double(raterSum)) * (Double($1) / Double(raterSum)) }
        return (meanAgreement - chance) / (1 - chance)
    }
}
