/// One appended record of the verdict log: a verdict, or the undo of an earlier one.
///
/// Records are never changed or removed; a reviewer's current verdict on an example is their
/// latest verdict that no undo retracts. As JSON (the HTTP API, the JSON Lines export) the keys
/// are `sequence`, `id`, `reviewer`, `verdict`, `suggested_label`, `note`, `queue`,
/// `recorded_at`, `tool_version` and `undoes`, each always present (`null` when absent).
public struct VerdictRecord: Codable, Sendable, Hashable {
    /// The append order: SQLite's rowid, increasing, never reused.
    public var sequence: Int64
    public var exampleID: Int
    public var reviewer: String
    /// The verdict; `nil` for an undo record.
    public var verdict: Verdict?
    public var suggestedLabel: Int?
    public var note: String
    public var queue: String?
    /// When it was recorded: ISO 8601 UTC with milliseconds, `2026-12-03T14:05:09.123Z`.
    public var recordedAt: String
    /// The version of the tool that recorded it.
    public var toolVersion: String
    /// For an undo record, the ``sequence`` of the verdict it retracts.
    public var undoes: Int64?

    public init(
        sequence: Int64, exampleID: Int, reviewer: String, verdict: Verdict?, suggestedLabel: Int? = nil,
        note: String = "", queue: String? = nil, recordedAt: String, toolVersion: String, undoes: Int64? = nil
    ) {
        self.sequence = sequence
        self.exampleID = exampleID
        self.reviewer = reviewer
        self.verdict = verdict
        self.suggestedLabel = suggestedLabel
        self.note = note
        self.queue = queue
        self.recordedAt = recordedAt
        self.toolVersion = toolVersion
        self.undoes = undoes
    }

    /// Whether this record retracts an earlier verdict.
    public var isUndo: Bool { undoes != nil }

    enum CodingKeys: String, CodingKey {
        case sequence
        case exampleID = "id"
        case reviewer, verdict
        case suggestedLabel = "suggested_label"
        case note, queue
        case recordedAt = "recorded_at"
        case toolVersion = "tool_version"
        case undoes
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sequence = try container.decode(Int64.self, forKey: .sequence)
        exampleID = try container.decode(Int.self, forKey: .exampleID)
        reviewer = try container.decode(String.self, forKey: .reviewer)
        verdict = try container.decodeIfPresent(Verdict.self, forKey: .verdict)
        suggestedLabel = try container.decodeIfPresent(Int.self, forKey: .suggestedLabel)
        note = try container.decodeIfPresent(String.self, forKey: .note) ?? ""
        queue = try container.decodeIfPresent(String.self, forKey: .queue)
        recordedAt = try container.decode(String.self, forKey: .recordedAt)
        toolVersion = try container.decode(String.self, forKey: .toolVersion)
        undoes = try container.decodeIfPresent(Int64.self, forKey: .undoes)
    }

    /// Encodes every key, absent values as `null`, so readers see one fixed set of keys.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sequence, forKey: .sequence)
        try container.encode(exampleID, forKey: .exampleID)
        try container.encode(reviewer, forKey: .reviewer)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(suggestedLabel, forKey: .suggestedLabel)
        try container.encode(note, forKey: .note)
        try container.encode(queue, forKey: .queue)
        try container.encode(recordedAt, forKey: .recordedAt)
        try container.encode(toolVersion, forKey: .toolVersion)
        try container.encode(undoes, forKey: .undoes)
    }
}
