import LoupeSupport
import LoupeTensor

/// A way to run a model's inference, one of which is chosen per variant by measurement
/// (``KernelMeasurement``).
public enum InferenceKernel: String, Codable, Sendable, CaseIterable {
    /// The model's own layers on the dense float kernels.
    case dense
    /// Every linear layer as a sparse product of its nonzero weights (``SparseInference``);
    /// other layers dense.
    case sparse
    /// Full-integer int8 arithmetic (``IntegerInference``).
    case integer
}

/// One kernel that can run a member, and the function that runs it.
public struct InferenceCandidate {
    public var kernel: InferenceKernel
    /// Logits `[batch, classes]` of images `[batch] + inputShape`.
    public var logits: (Tensor) -> Tensor

    public init(_ kernel: InferenceKernel, logits: @escaping (Tensor) -> Tensor) {
        (self.kernel, self.logits) = (kernel, logits)
    }
}

/// The latency of one kernel at one batch size: the median of timed runs after one warm-up.
public struct LatencySample: Codable, Equatable, Sendable {
    public var batch: Int
    public var runs: Int
    public var medianSeconds: Double
    /// The fastest and slowest run, to show the spread.
    public var fastestSeconds: Double
    public var slowestSeconds: Double

    public init(batch: Int, runs: Int, medianSeconds: Double, fastestSeconds: Double, slowestSeconds: Double) {
        (self.batch, self.runs, self.medianSeconds) = (batch, runs, medianSeconds)
        (self.fastestSeconds, self.slowestSeconds) = (fastestSeconds, slowestSeconds)
    }

    enum CodingKeys: String, CodingKey {
        case batch, runs
        case medianSeconds = "median_seconds"
        case fastestSeconds = "fastest_seconds"
        case slowestSeconds = "slowest_seconds"
    }
}

/// The kernels that can run a member, each timed at batch 1 and at the evaluation batch, and
/// the one chosen: the fastest at the evaluation batch.
///
/// The member's predictions are made on its reference kernel (the first candidate: dense
/// float, or integer for int8-full), so that they do not depend on timing; the chosen kernel
/// is what a deployment of the variant would run, and ``Candidate/agreement`` says how often
/// it predicts the reference's top-1 class on the timed batch (rounding may move a near tie).
public struct KernelMeasurement: Codable, Equatable, Sendable {
    public struct Candidate: Codable, Equatable, Sendable {
        public var kernel: InferenceKernel
        /// At batch 1, then at the evaluation batch.
        public var latencies: [LatencySample]
        /// Fraction of the timed batch on which its top-1 class equals the reference kernel's.
        public var agreement: Double

        public init(kernel: InferenceKernel, latencies: [LatencySample], agreement: Double) {
            (self.kernel, self.latencies, self.agreement) = (kernel, latencies, agreement)
        }
    }

    public var candidates: [Candidate]
    public var chosen: InferenceKernel

    /// The chosen kernel's latencies.
    public var latencies: [LatencySample] { candidates.first { $0.kernel == chosen }!.latencies }

    /// Times every candidate on the first image of `images` and on all of them, `runs` times
    /// each after one warm-up, the candidates taking turns within each round so that a change
    /// in the machine's speed during the measurement touches them alike.
    public init(_ candidates: [InferenceCandidate], images: Tensor, runs: Int) {
        self = Self.measuring([candidates], images: images, runs: runs)[0]
    }

    /// One measurement per group of candidates (one group per population), all timed in the
    /// same rounds: within each round every candidate of every group runs once per batch size,
    /// so that the speed-ups between populations, not only between one population's kernels,
    /// compare runs made under the same load. Agreement is within each group, against its
    /// first candidate.
    public static func measuring(_ groups: [[InferenceCandidate]], images: Tensor, runs: Int) -> [KernelMeasurement] {
        precondition(groups.allSatisfy { !$0.isEmpty } && runs > 0 && images.shape[0] > 0)
        let batches = images.shape[0] == 1 ? [images] : [images.slice(0..<1), images]
        let candidates = groups.flatMap { $0 }
        var seconds = [[[Double]]](
            repeating: [[Double]](repeating: [], count: batches.count), count: candidates.count)
        let top1 = candidates.map { $0.logits(images).argmaxPerRow() }  // also the warm-up
        for _ in 0..<runs {
            for (b, batch) in batches.enumerated() {
                for (c, candidate) in candidates.enumerated() {
                    let stopwatch = Stopwatch()
                    _ = candidate.logits(batch)
                    seconds[c][b].append(stopwatch.elapsedSeconds)
                }
            }
        }
        var first = 0
        return groups.map { group in
            defer { first += group.count }
            let reference = top1[first]
            return KernelMeasurement(
                measured: (first..<first + group.count).map { c in
                    Candidate(
                        kernel: candidates[c].kernel,
                        latencies: batches.indices.map { b in
                            let sorted = seconds[c][b].sorted()
                            return LatencySample(
                                batch: batches[b].shape[0], runs: runs, medianSeconds: median(sorted),
                                fastestSeconds: sorted.first!, slowestSeconds: sorted.last!)
                        },
                        agreement: Double(zip(top1[c], reference).filter { $0 == $1 }.count) / Double(reference.count))
                })
        }
    }

    /// The measurement of `candidates` already timed: the chosen kernel is the one with the
    /// smallest median at the largest batch (its last latency); a tie goes to the earlier one.
    public init(measured candidates: [Candidate]) {
        precondition(!candidates.isEmpty && candidates.allSatisfy { !$0.latencies.isEmpty })
        self.candidates = candidates
        chosen = candidates.min { $0.latencies.last!.medianSeconds < $1.latencies.last!.medianSeconds }!.kernel
    }

    static func median(_ sorted: [Double]) -> Double {
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
