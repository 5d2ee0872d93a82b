import LoupeReview

/// A page of a queue, filtered and sorted: what `GET /api/items` asks for.
struct ItemQuery: Sendable, Equatable {
    /// Which items to keep, by their current verdicts.
    enum State: Sendable, Equatable {
        case unreviewed, reviewed, disagreement
        case verdict(Verdict)

        init?(_ text: String) {
            switch text {
            case "unreviewed": self = .unreviewed
            case "reviewed": self = .reviewed
            case "disagreement": self = .disagreement
            default:
                guard let verdict = Verdict(rawValue: text) else { return nil }
                self = .verdict(verdict)
            }
        }
    }

    static let maximumLimit = 500

    var queue: String
    var offset = 0
    var limit = 100
    var sort: String?
    var descending: Bool?
    /// Keep only examples whose true label is this class.
    var label: Int?
    var state: State?
    /// Narrows ``state`` to this reviewer's verdicts.
    var reviewer: String?

    /// Parses the query string's parameters; every problem is a ``RequestError`` naming the parameter.
    init(parameters: [String: String]) throws(RequestError) {
        guard let queue = parameters["queue"], !queue.isEmpty else {
            throw RequestError(.badRequest, "queue: missing (GET /api/queues lists them)")
        }
        self.queue = queue
        func integer(_ name: String, in range: ClosedRange<Int>) throws(RequestError) -> Int? {
            guard let text = parameters[name] else { return nil }
            guard let value = Int(text), range.contains(value) else {
                throw RequestError(.badRequest, "\(name): expected an integer in \(range), got '\(text.prefix(40))'")
            }
            return value
        }
        offset = try integer("offset", in: 0...Int(Int32.max)) ?? 0
        limit = try integer("limit", in: 1...Self.maximumLimit) ?? 100
        label = try integer("class", in: 0...Int(Int32.max))
        sort = parameters["sort"].flatMap { $0.isEmpty ? nil : $0 }
        if let order = parameters["order"] {
            guard order == "asc" || order == "desc" else {
                throw RequestError(.badRequest, "order: expected asc or desc, got '\(order.prefix(40))'")
            }
            descending = order == "desc"
        }
        if let text = parameters["state"], !text.isEmpty {
            guard let state = State(text) else {
                throw RequestError(
                    .badRequest,
                    "state: expected unreviewed, reviewed, disagreement or a verdict, got '\(text.prefix(40))'")
            }
            self.state = state
        }
        reviewer = parameters["reviewer"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The entries of `queue` this query keeps, sorted, and the total before paging.
    func select(
        from queue: ReviewQueue, labels: (Int) -> Int?, current: CurrentVerdicts, disagreements: Set<Int>
    ) throws(RequestError) -> (total: Int, page: [ReviewQueue.Entry]) {
        if let sort, !queue.scoreNames.contains(sort) {
            throw RequestError(
                .badRequest,
                "sort: '\(sort.prefix(40))' is not a score of \(queue.name) (\(queue.scoreNames.joined(separator: ", ")))"
            )
        }
        let ordered =
            sort == nil && descending == nil
            ? queue.entries
            : queue.entries(sortedBy: sort ?? queue.sortScore, descending: descending ?? queue.descending)
        let kept = ordered.filter { entry in
            if let label, labels(entry.id) != label { return false }
            guard let state else { return true }
            let verdicts = current.byExample[entry.id] ?? [:]
            let judged = reviewer.map { verdicts[$0].map { [$0] } ?? [] } ?? Array(verdicts.values)
            switch state {
            case .unreviewed: return judged.isEmpty
            case .reviewed: return !judged.isEmpty
            case .disagreement: return disagreements.contains(entry.id)
            case .verdict(let verdict): return judged.contains { $0.verdict == verdict }
            }
        }
        let start = min(offset, kept.count)
        return (kept.count, Array(kept[start..<min(kept.count, start + limit)]))
    }
}
