import LoupeSupport

/// VoG computed separately over the early, middle and late thirds of training and over all
/// checkpoints (see `TrainingStage` for how the checkpoints are split), in one pass over the
/// checkpoints.
///
/// Each requested stage has its own `VarianceOfGradients` accumulator, so a stage's score
/// uses only that stage's checkpoints and divides by that stage's checkpoint count. A third's
/// accumulator is created at the stage's first checkpoint and turned into scores (and freed)
/// at its last, so at most two accumulators (the current third and `all`) are alive at any
/// time: memory stays `16 * examples * H * W` bytes.
public struct StagedVarianceOfGradients: Sendable {
    /// The number of checkpoints that will be added, fixed in advance to place the stages.
    public let checkpointCount: Int
    /// The stages whose scores are computed.
    public let stages: [TrainingStage]
    /// The number of examples in every checkpoint.
    public let exampleCount: Int
    /// Pixels per example after channel averaging, `H * W`.
    public let mapSize: Int
    /// The number of checkpoints added so far.
    public private(set) var addedCount = 0
    /// Names the computation in errors.
    public let source: String

    private var firstShape: [Int]?
    private var current: VarianceOfGradients?
    private var all: VarianceOfGradients?
    private var finished: [TrainingStage: [Double]] = [:]

    /// Prepares to receive `checkpointCount` checkpoints of `exampleCount` maps of `mapSize`
    /// pixels, computing the scores of `stages` (all four by default).
    ///
    /// - Throws: `InputError` when a requested stage would get fewer than two
    ///   checkpoints (the thirds need at least six checkpoints in all).
    public init(
        checkpointCount: Int, exampleCount: Int, mapSize: Int, stages: [TrainingStage] = TrainingStage.allCases,
        source: String = "VoG"
    ) throws {
        precondition(exampleCount >= 0 && mapSize > 0, "VoG needs a non-negative example count and a positive map size")
        for stage in stages {
            let size = stage.checkpointIndices(checkpointCount: max(checkpointCount, 0)).count
            guard size >= 2 else {
                throw InputError(
                    source: source,
                    problem:
                        "stage '\(stage.rawValue)' gets \(size) of \(checkpointCount) checkpoints, at least 2 are needed for a variance"
                )
            }
        }
        self.checkpointCount = checkpointCount
        self.stages = stages
        self.exampleCount = exampleCount
        self.mapSize = mapSize
        self.source = source
        if stages.contains(.all) {
            all = VarianceOfGradients(exampleCount: exampleCount, mapSize: mapSize, source: source)
        }
    }

    /// Adds the next checkpoint's gradients, shape `[examples, H, W]` or `[examples, C, H, W]`.
    ///
    /// - Parameter source: names this checkpoint in errors; `nil` means `VoG checkpoint k`.
    /// - Throws: `InputError` when all checkpoints were already added, or for the
    ///   problems `VarianceOfGradients.add` reports. Nothing changes when it throws.
    public mutating func add(_ gradients: [Float], shape: [Int], source: String? = nil) throws {
        try gradients.withUnsafeBufferPointer { try add(buffer: $0, shape: shape, source: source) }
    }

    /// Adds the next checkpoint's `Double` gradients; see `add(_:shape:source:)`.
    public mutating func add(_ gradients: [Double], shape: [Int], source: String? = nil) throws {
        try gradients.withUnsafeBufferPointer { try add(buffer: $0, shape: shape, source: source) }
    }

    /// The VoG scores of `stage` (one per example).
    ///
    /// - Throws: `InputError` when the stage was not requested or not all checkpoints
    ///   have been added.
    public func scores(for stage: TrainingStage) throws -> [Double] {
        guard stages.contains(stage) else {
            throw InputError(source: source, problem: "stage '\(stage.rawValue)' was not requested")
        }
        guard addedCount == checkpointCount else {
            throw InputError(
                source: source, problem: "\(addedCount) of \(checkpointCount) checkpoints added, the stages need all")
        }
        if stage == .all, let all { return try all.scores() }
        return finished[stage] ?? []
    }

    private mutating func add<T: BinaryFloatingPoint>(
        buffer: UnsafeBufferPointer<T>, shape: [Int], source: String?
    ) throws {
        let name = source ?? "\(self.source) checkpoint \(addedCount + 1)"
        guard addedCount < checkpointCount else {
            throw InputError(source: name, problem: "all \(checkpointCount) checkpoints were already added")
        }
        try VarianceOfGradients.validate(
            buffer: buffer, shape: shape, firstShape: firstShape, exampleCount: exampleCount, mapSize: mapSize,
            source: name)
        if firstShape == nil { firstShape = shape }
        let index = addedCount
        let third = TrainingStage.third(ofCheckpoint: index, checkpointCount: checkpointCount)
        if stages.contains(third) {
            if current == nil {
                current = VarianceOfGradients(exampleCount: exampleCount, mapSize: mapSize, source: self.source)
            }
            current?.accumulate(buffer: buffer, shape: shape)
            if index == third.checkpointIndices(checkpointCount: checkpointCount).upperBound - 1 {
                // At least two checkpoints per requested stage was checked in `init`.
                finished[third] = try current?.scores()
                current = nil
            }
        }
        all?.accumulate(buffer: buffer, shape: shape)
        addedCount += 1
    }
}
