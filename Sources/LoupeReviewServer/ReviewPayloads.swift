import LoupeReview

/// An example as `GET /api/items` lists it.
struct ItemPayload: Encodable {
    var id: Int
    var label: Int
    var labelName: String
    var path: String?
    /// NaN (no value) is sent as null.
    var scores: [String: Double?]
    var modalLabels: [String: Int]
    /// Each reviewer's current verdict.
    var verdicts: [String: VerdictRecord]

    enum CodingKeys: String, CodingKey {
        case id, label, path, scores, verdicts
        case labelName = "label_name"
        case modalLabels = "modal_labels"
    }
}

/// An example as `GET /api/items/{id}` shows it: the list's fields and everything known about it.
struct ItemDetailPayload: Encodable {
    struct HeatmapLink: Encodable {
        var title: String
        var url: String
    }

    struct NeighbourPayload: Encodable {
        var id: Int
        var label: Int
        var labelName: String
        var distance: Double
        /// Neighbours are training examples: their images have their own address.
        var url: String

        enum CodingKeys: String, CodingKey {
            case id, label, distance, url
            case labelName = "label_name"
        }
    }

    var item: ItemPayload
    var queues: [String]
    var populations: [PopulationOutcome]
    var difficulty: [String: Double?]
    var heatmaps: [HeatmapLink]
    var neighbours: [NeighbourPayload]
    var history: [VerdictRecord]

    enum CodingKeys: String, CodingKey { case queues, populations, difficulty, heatmaps, neighbours, history }

    func encode(to encoder: any Encoder) throws {
        try item.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(queues, forKey: .queues)
        try container.encode(populations, forKey: .populations)
        try container.encode(difficulty, forKey: .difficulty)
        try container.encode(heatmaps, forKey: .heatmaps)
        try container.encode(neighbours, forKey: .neighbours)
        try container.encode(history, forKey: .history)
    }
}

/// A queue as `GET /api/queues` lists it.
struct QueuePayload: Encodable {
    var name: String
    var title: String
    var kind: String
    var folder: String
    var total: Int
    var scores: [String]
    var sort: String?
    var descending: Bool
}

/// The body of `POST /api/verdicts`.
struct VerdictRequest: Decodable {
    var id: Int
    var verdict: String
    var suggestedLabel: Int?
    var note: String?
    var reviewer: String
    var queue: String?

    enum CodingKeys: String, CodingKey {
        case id, verdict, note, reviewer, queue
        case suggestedLabel = "suggested_label"
    }
}

/// The body of `POST /api/verdicts/undo`.
struct UndoRequest: Decodable {
    var id: Int
    var reviewer: String
}

extension Double {
    /// The value, or nil for NaN (JSON has no NaN).
    var jsonValue: Double? { isFinite ? self : nil }
}
