import LoupeSupport

/// How `Model.inputGradients(_:classes:batching:reluBackward:)` splits its rows into passes:
/// chunks of at most `rowsPerChunk` rows run one after another, so that memory stays bounded
/// by one chunk's tape however many rows there are; each chunk is split into `threads`
/// contiguous shards that run in parallel, one forward and backward pass each.
///
/// In inference mode every row's gradient depends on that row alone, so the batching changes
/// the speed and the memory, never the values.
public struct InputGradientBatching: Sendable, Equatable {
    /// Working memory a chunk may take by default: 64 MiB.
    public static let defaultChunkBytes = 64 << 20

    /// Rows in one chunk, at least 1.
    public var rowsPerChunk: Int
    /// Threads each chunk is split across, at least 1.
    public var threads: Int

    /// Chunks of `rowsPerChunk` rows split across `threads` threads.
    public init(rowsPerChunk: Int, threads: Int = 1) {
        self.rowsPerChunk = max(1, rowsPerChunk)
        self.threads = max(1, threads)
    }

    /// Chunks of as many rows as fit in `chunkBytes` of `model`'s working memory (see
    /// `Model.inputGradientBytesPerRow`), split across `threads` threads.
    public init(for model: Model, chunkBytes: Int = defaultChunkBytes, threads: Int = 1) {
        self.init(rowsPerChunk: chunkBytes / max(1, model.inputGradientBytesPerRow), threads: threads)
    }
}
