/// A list of examples for experts to work through, in the order a method ranked them.
public struct ReviewQueue: Sendable {
    /// Where a queue comes from.
    public enum Kind: String, Sendable, Codable {
        /// A compressed variant's CIEs (an audit's `cie.csv`), by Taxicab score.
        case cie
        /// Every example by one difficulty score (`difficulty.csv`), hardest first.
        case difficulty
        /// Confident learning's label issues (`difficulty.csv`), least self-confident first.
        case labelIssues = "label-issues"
        /// Any CSV with an `id` column and numeric score columns.
        case csv
        /// Examples whose reviewers disagree (made from the verdicts, not from a file).
        case disagreements
    }

    /// One example in a queue.
    public struct Entry: Sendable {
        /// The example's id in the reviewed split.
        public var id: Int
        /// One value per ``ReviewQueue/scoreNames`` entry (NaN where the file has none).
        public var scores: [Double]
        /// Each population's (or model's) most frequent prediction, by name.
        public var modalLabels: [String: Int]

        public init(id: Int, scores: [Double], modalLabels: [String: Int] = [:]) {
            (self.id, self.scores, self.modalLabels) = (id, scores, modalLabels)
        }
    }

    /// Unique within a review: `cie:prune-0.90`, `difficulty:vog`, `label-issues`, `csv:scores`.
    public var name: String
    /// A line for people: `CIEs of prune-0.90 by Taxicab score`.
    public var title: String
    public var kind: Kind
    /// The output folder or file the queue was read from.
    public var folder: String
    /// The scores each entry carries, in order.
    public var scoreNames: [String]
    /// The score the queue is ranked by, and its direction.
    public var sortScore: String?
    public var descending: Bool
    /// The entries, ranked.
    public var entries: [Entry]

    public init(
        name: String, title: String, kind: Kind, folder: String, scoreNames: [String], sortScore: String?,
        descending: Bool, entries: [Entry]
    ) {
        (self.name, self.title, self.kind, self.folder) = (name, title, kind, folder)
        (self.scoreNames, self.sortScore, self.descending, self.entries) = (scoreNames, sortScore, descending, entries)
    }

    /// The queue with its entries in its own ranking (``sortScore``, ``descending``).
    func ranked() -> ReviewQueue {
        var queue = self
        queue.entries = entries(sortedBy: sortScore, descending: descending)
        return queue
    }

    /// The entries ordered by `score` (ties by id), or in the queue's own order when `score` is nil;
    /// NaN scores come last either way.
    public func entries(sortedBy score: String?, descending: Bool) -> [Entry] {
        guard let score, let column = scoreNames.firstIndex(of: score) else { return entries }
        return entries.sorted { a, b in
            let (x, y) = (a.scores[column], b.scores[column])
            if x.isNaN != y.isNaN { return y.isNaN }
            if x != y && !x.isNaN { return descending ? x > y : x < y }
            return a.id < b.id
        }
    }
}
