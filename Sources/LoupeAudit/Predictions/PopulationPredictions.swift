import LoupeSupport

/// The top-1 predictions of a population of models (for example 30 independently trained
/// networks, or the same 30 after pruning) on a common set of examples.
///
/// Labels are stored flat, model after model: the label of model `m` on example `i` is
/// `labels[m * exampleCount + i]` (use `label(model:example:)`). Logits, when present, are
/// stored flat as `[models][examples][classes]`. Every initializer validates its input, so a
/// value of this type always has at least one model and one example, `exampleIDs.count ==
/// exampleCount`, distinct ids, labels in `0..<classCount` and finite logits.
public struct PopulationPredictions: Sendable, Equatable {
    /// The population's name, for example `baseline` or `pruned-90`.
    public let name: String
    /// The stable dataset id of each example, in the order of the label columns.
    public let exampleIDs: [Int]
    /// Number of models in the population.
    public let modelCount: Int
    /// Number of classes; labels are in `0..<classCount`.
    public let classCount: Int
    /// Predicted top-1 labels, `[models][examples]` flattened model after model.
    public let labels: [Int32]
    /// Logits `[models][examples][classes]` flattened, when they were provided.
    public let logits: [Float]?

    /// Number of examples each model predicted.
    public var exampleCount: Int { exampleIDs.count }

    /// Creates a population from flat labels (`[models][examples]`, model after model) and
    /// optional flat logits (`[models][examples][classes]`).
    ///
    /// - Throws: `InputError` naming `population 'name'` when the population is empty,
    ///   the shapes do not match, an id repeats, a label is out of range or a logit is not
    ///   finite.
    public init(
        name: String, exampleIDs: [Int], modelCount: Int, classCount: Int, labels: [Int32],
        logits: [Float]? = nil
    ) throws {
        try self.init(
            name: name, source: "population '\(name)'", exampleIDs: exampleIDs, modelCount: modelCount,
            classCount: classCount, labels: labels, logits: logits)
    }

    /// Creates a population from nested labels, one row of `exampleIDs.count` labels per model.
    ///
    /// - Throws: `InputError` as the flat initializer, and when the rows are ragged.
    public init(name: String, exampleIDs: [Int], classCount: Int, labels rows: [[Int32]]) throws {
        let source = "population '\(name)'"
        if let ragged = rows.firstIndex(where: { $0.count != exampleIDs.count }) {
            throw InputError(
                source: source,
                problem: "model \(ragged) has \(rows[ragged].count) labels, expected \(exampleIDs.count) (one per id)")
        }
        try self.init(
            name: name, source: source, exampleIDs: exampleIDs, modelCount: rows.count, classCount: classCount,
            labels: rows.flatMap { $0 }, logits: nil)
    }

    /// Creates a population from logits `[models][examples][classes]` (flattened); each
    /// label is the argmax of its logits, ties going to the smallest class index.
    ///
    /// - Throws: `InputError` when the population is empty, the shapes do not match,
    ///   an id repeats or a logit is NaN or infinite.
    public init(name: String, exampleIDs: [Int], modelCount: Int, classCount: Int, logits: [Float]) throws {
        try self.init(
            name: name, source: "population '\(name)'", exampleIDs: exampleIDs, modelCount: modelCount,
            classCount: classCount, logits: logits)
    }

    /// The logits initializer with the source named in errors (a file name for readers).
    init(name: String, source: String, exampleIDs: [Int], modelCount: Int, classCount: Int, logits: [Float])
        throws
    {
        try Self.checkShape(
            source: source, exampleCount: exampleIDs.count, modelCount: modelCount, classCount: classCount)
        let expected = modelCount * exampleIDs.count * classCount
        guard logits.count == expected else {
            throw InputError(
                source: source,
                problem:
                    "\(logits.count) logits, expected \(expected) = \(modelCount) models x \(exampleIDs.count) examples x \(classCount) classes"
            )
        }
        try Self.checkFinite(logits, source: source, exampleIDs: exampleIDs, classCount: classCount)
        var labels = [Int32](repeating: 0, count: modelCount * exampleIDs.count)
        for row in labels.indices {
            let base = row * classCount
            var best = 0
            for c in 1..<max(classCount, 1) where logits[base + c] > logits[base + best] { best = c }
            labels[row] = Int32(best)
        }
        try self.init(
            name: name, source: source, exampleIDs: exampleIDs, modelCount: modelCount, classCount: classCount,
            labels: labels, logits: logits)
    }

    /// The validating initializer every other one goes through; `source` names the
    /// population or file in errors.
    init(
        name: String, source: String, exampleIDs: [Int], modelCount: Int, classCount: Int, labels: [Int32],
        logits: [Float]?
    ) throws {
        func fail(_ problem: String) -> InputError { InputError(source: source, problem: problem) }
        try Self.checkShape(
            source: source, exampleCount: exampleIDs.count, modelCount: modelCount, classCount: classCount)
        let exampleCount = exampleIDs.count
        guard labels.count == modelCount * exampleCount else {
            throw fail(
                "\(labels.count) labels, expected \(modelCount * exampleCount) = \(modelCount) models x \(exampleCount) examples"
            )
        }
        var seen = Set<Int>(minimumCapacity: exampleCount)
        for id in exampleIDs where !seen.insert(id).inserted {
            throw fail("example id \(id) appears more than once")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || Int($0) >= classCount }) {
            throw fail(
                "label \(labels[bad]) of model \(bad / exampleCount), example id \(exampleIDs[bad % exampleCount]) is outside 0..<\(classCount)"
            )
        }
        if let logits {
            let expected = labels.count * classCount
            guard logits.count == expected else {
                throw fail(
                    "\(logits.count) logits, expected \(expected) = \(modelCount) models x \(exampleCount) examples x \(classCount) classes"
                )
            }
            try Self.checkFinite(logits, source: source, exampleIDs: exampleIDs, classCount: classCount)
        }
        self.name = name
        self.exampleIDs = exampleIDs
        self.modelCount = modelCount
        self.classCount = classCount
        self.labels = labels
        self.logits = logits
    }

    /// The label model `model` predicted for the example at position `example`.
    public func label(model: Int, example: Int) -> Int32 {
        labels[model * exampleCount + example]
    }

    /// Throws unless `other` predicts the same examples, in the same order, with the same
    /// number of classes.
    ///
    /// - Throws: `InputError` naming `other` and the first differing id.
    public func requireSameExamples(as other: PopulationPredictions) throws {
        func fail(_ problem: String) -> InputError {
            InputError(source: "population '\(other.name)'", problem: problem)
        }
        guard other.classCount == classCount else {
            throw fail("\(other.classCount) classes, population '\(name)' has \(classCount)")
        }
        guard other.exampleCount == exampleCount else {
            throw fail("\(other.exampleCount) examples, population '\(name)' has \(exampleCount)")
        }
        if let position = exampleIDs.indices.first(where: { exampleIDs[$0] != other.exampleIDs[$0] }) {
            throw fail(
                "example ids differ from population '\(name)' at position \(position): \(other.exampleIDs[position]) vs \(exampleIDs[position])"
            )
        }
    }

    private static func checkShape(source: String, exampleCount: Int, modelCount: Int, classCount: Int) throws {
        func fail(_ problem: String) -> InputError { InputError(source: source, problem: problem) }
        guard modelCount > 0 else { throw fail("empty population: no models") }
        guard exampleCount > 0 else { throw fail("empty population: no examples") }
        guard classCount > 0 else { throw fail("class count \(classCount) must be positive") }
    }

    private static func checkFinite(_ logits: [Float], source: String, exampleIDs: [Int], classCount: Int) throws {
        if let bad = logits.firstIndex(where: { !$0.isFinite }) {
            let row = bad / classCount
            let exampleCount = exampleIDs.count
            throw InputError(
                source: source,
                problem:
                    "logit \(logits[bad]) of model \(row / exampleCount), example id \(exampleIDs[row % exampleCount]), class \(bad % classCount) is not finite"
            )
        }
    }
}
