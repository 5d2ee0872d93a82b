/// How far reviewers agree, from their current verdicts: the agreement page of the review app.
///
/// As JSON: `{"reviewers": [...], "pairs": [{"a", "b", "items", "observed", "kappa"}],
/// "fleiss": {"items", "kappa"} or null, "disagreements": count, "disagreement_ids": [...],
/// "counts": {reviewer: {verdict: count}}}`, undefined values as `null`.
public struct Agreement: Sendable, Encodable, Equatable {
    /// Cohen's kappa of two reviewers over the examples both have a current verdict on, with
    /// the five verdicts as categories (a suggested label does not count).
    public struct Pair: Sendable, Encodable, Equatable {
        public var a: String
        public var b: String
        /// Examples both judged.
        public var items: Int
        /// The share of those on which their verdicts are equal; `nil` without items.
        public var observed: Double?
        /// `nil` without items or when chance agreement is 1 (both always gave one same verdict).
        public var kappa: Double?

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(a, forKey: .a)
            try container.encode(b, forKey: .b)
            try container.encode(items, forKey: .items)
            try container.encode(observed, forKey: .observed)
            try container.encode(kappa, forKey: .kappa)
        }

        enum CodingKeys: String, CodingKey { case a, b, items, observed, kappa }
    }

    /// Fleiss' kappa over the examples with at least two reviewers' current verdicts.
    public struct Fleiss: Sendable, Encodable, Equatable {
        public var items: Int
        /// `nil` when chance agreement is 1 (every verdict the same).
        public var kappa: Double?

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(items, forKey: .items)
            try container.encode(kappa, forKey: .kappa)
        }

        enum CodingKeys: String, CodingKey { case items, kappa }
    }

    /// Reviewers with at least one current verdict, sorted.
    public var reviewers: [String]
    /// One per pair of ``reviewers`` (`a` before `b` alphabetically), in order.
    public var pairs: [Pair]
    /// `nil` when no example has two reviewers.
    public var fleiss: Fleiss?
    /// Ids of the examples whose current verdicts differ (verdict or suggested label), sorted.
    public var disagreements: [Int]
    /// Per reviewer, the number of current verdicts of each kind (all five, zeros included).
    public var counts: [String: [Verdict: Int]]

    public init(_ current: CurrentVerdicts) {
        reviewers = current.reviewers
        var pairs: [Pair] = []
        for (i, a) in reviewers.enumerated() {
            for b in reviewers[(i + 1)...] {
                var ratingsA: [Verdict] = []
                var ratingsB: [Verdict] = []
                for id in current.byExample.keys.sorted() {
                    let verdicts = current.byExample[id]!
                    if let x = verdicts[a]?.verdict, let y = verdicts[b]?.verdict {
                        ratingsA.append(x)
                        ratingsB.append(y)
                    }
                }
                pairs.append(
                    Pair(
                        a: a, b: b, items: ratingsA.count, observed: Kappa.observedAgreement(ratingsA, ratingsB),
                        kappa: Kappa.cohen(ratingsA, ratingsB)))
            }
        }
        self.pairs = pairs
        let table = current.byExample.keys.sorted().compactMap { id -> [Int]? in
            let verdicts = current.byExample[id]!.values.compactMap(\.verdict)
            guard verdicts.count >= 2 else { return nil }
            return Verdict.allCases.map { category in verdicts.filter { $0 == category }.count }
        }
        fleiss = table.isEmpty ? nil : Fleiss(items: table.count, kappa: Kappa.fleiss(table))
        disagreements = current.disagreements
        counts = current.counts
    }

    enum CodingKeys: String, CodingKey {
        case reviewers, pairs, fleiss, disagreements
        case disagreementIDs = "disagreement_ids"
        case counts
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(reviewers, forKey: .reviewers)
        try container.encode(pairs, forKey: .pairs)
        try container.encode(fleiss, forKey: .fleiss)
        try container.encode(disagreements.count, forKey: .disagreements)
        try container.encode(disagreements, forKey: .disagreementIDs)
        let words = counts.mapValues { byVerdict in
            Dictionary(uniqueKeysWithValues: byVerdict.map { ($0.key.rawValue, $0.value) })
        }
        try container.encode(words, forKey: .counts)
    }
}
