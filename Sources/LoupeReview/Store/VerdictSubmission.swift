import LoupeSupport

/// A verdict as a reviewer submits it, before the store validates, stamps and appends it.
public struct VerdictSubmission: Sendable, Equatable {
    /// The example's id: its index in the dataset.
    public var exampleID: Int
    /// Who judged it: 1 to 100 characters, no control characters, no leading or trailing space.
    public var reviewer: String
    public var verdict: Verdict
    /// The class the example should have; only with ``Verdict/mislabelled``, and optional there.
    public var suggestedLabel: Int?
    /// A free note, at most 10,000 characters; empty when there is none.
    public var note: String
    /// The queue the reviewer was working through, kept for the record (at most 200 characters).
    public var queue: String?

    public init(
        exampleID: Int, reviewer: String, verdict: Verdict, suggestedLabel: Int? = nil, note: String = "",
        queue: String? = nil
    ) {
        self.exampleID = exampleID
        self.reviewer = reviewer
        self.verdict = verdict
        self.suggestedLabel = suggestedLabel
        self.note = note
        self.queue = queue
    }
}

/// The limits a submission is checked against.
enum SubmissionLimits {
    static let reviewerCharacters = 100
    static let noteCharacters = 10_000
    static let queueCharacters = 200

    /// Checks a reviewer name: 1 to 100 characters, nothing unprintable, no surrounding space.
    static func checkReviewer(_ reviewer: String) throws {
        guard !reviewer.isEmpty else { throw ReviewInputError(field: "reviewer", problem: "is empty") }
        guard reviewer.count <= reviewerCharacters else {
            throw ReviewInputError(
                field: "reviewer",
                problem: "has \(reviewer.count) characters, at most \(reviewerCharacters) are allowed")
        }
        guard !containsUnprintable(reviewer) else {
            throw ReviewInputError(
                field: "reviewer", problem: "\(EscapedText.quoted(reviewer)) contains a control character")
        }
        guard reviewer.first?.isWhitespace != true, reviewer.last?.isWhitespace != true else {
            throw ReviewInputError(
                field: "reviewer", problem: "\(EscapedText.quoted(reviewer)) starts or ends with a space")
        }
    }

    /// Whether `text` has a scalar that would be escaped in a one-line message: C0 and C1
    /// control characters, DEL, line separators, bidirectional overrides.
    static func containsUnprintable(_ text: String) -> Bool {
        text.unicodeScalars.contains { scalar in
            let single = String(scalar)
            return EscapedText.escaping(single) != single
        }
    }
}

extension VerdictSubmission {
    /// Throws a ``ReviewInputError`` naming the first field that does not fit.
    func validate(classCount: Int, exampleIDs: Set<Int>) throws {
        guard exampleIDs.contains(exampleID) else {
            throw ReviewInputError(field: "id", problem: "\(exampleID) is not an example of the dataset")
        }
        try SubmissionLimits.checkReviewer(reviewer)
        if let suggestedLabel {
            guard verdict == .mislabelled else {
                throw ReviewInputError(
                    field: "suggested_label",
                    problem: "is only allowed with the verdict mislabelled, not \(verdict.rawValue)"
                )
            }
            guard (0..<classCount).contains(suggestedLabel) else {
                throw ReviewInputError(
                    field: "suggested_label", problem: "\(suggestedLabel) is not a class (0..<\(classCount))")
            }
        }
        guard note.count <= SubmissionLimits.noteCharacters else {
            throw ReviewInputError(
                field: "note",
                problem: "has \(note.count) characters, at most \(SubmissionLimits.noteCharacters) are allowed")
        }
        if let queue {
            guard queue.count <= SubmissionLimits.queueCharacters else {
                throw ReviewInputError(
                    field: "queue",
                    problem: "has \(queue.count) characters, at most \(SubmissionLimits.queueCharacters) are allowed")
            }
            guard !SubmissionLimits.containsUnprintable(queue) else {
                throw ReviewInputError(
                    field: "queue", problem: "\(EscapedText.quoted(queue)) contains a control character")
            }
        }
    }
}
