import LoupeCompress
import LoupeNN
import LoupeRandom
import LoupeTensor
import XCTest

final class KernelMeasurementTests: XCTestCase {
    func sample(_ batch: Int, _ seconds: Double) -> LatencySample {
        LatencySample(batch: batch, runs: 3, medianSeconds: seconds, fastestSeconds: seconds, slowestSeconds: seconds)
    }

    /// The fastest at the largest batch is chosen, whatever batch 1 says; a tie goes to the
    /// earlier (reference) kernel.
    func testChoosesTheFastestAtTheLargestBatch() {
        let dense = KernelMeasurement.Candidate(
            kernel: .dense, latencies: [sample(1, 0.001), sample(128, 0.020)], agreement: 1)
        let sparse = KernelMeasurement.Candidate(
            kernel: .sparse, latencies: [sample(1, 0.004), sample(128, 0.010)], agreement: 1)
        XCTAssertEqual(KernelMeasurement(measured: [dense, sparse]).chosen, .sparse)
        XCTAssertEqual(KernelMeasurement(measured: [dense, sparse]).latencies, sparse.latencies)
        var slow = sparse
        slow.latencies[1] = sample(128, 0.030)
        XCTAssertEqual(KernelMeasurement(measured: [dense, slow]).chosen, .dense)
        var tie = sparse
        tie.latencies[1] = sample(128, 0.020)
        XCTAssertEqual(KernelMeasurement(measured: [dense, tie]).chosen, .dense)
    }

    /// A real measurement of a pruned mlp: both kernels timed at batch 1 and 16 the asked
    /// number of times, medians within the range of the runs, and the sparse kernel agreeing
    /// with the dense one on the top-1 class (same weights); a kernel that predicts another
    /// class for half the batch is reported at 0.5.
    func testMeasuresEveryCandidateAndTheirAgreement() throws {
        let model = SparseInference.magnitudePruned(
            try Model(architecture: Architecture.builtin("mlp", inputShape: [1, 28, 28], classes: 10)!, seed: 3),
            sparsity: 0.9)
        var generator = SeededGenerator(seed: 5)
        let images = Tensor(shape: [16, 1, 28, 28], scalars: (0..<16 * 784).map { _ in generator.nextUniform() })
        let sparse = SparseInference(model: model)
        let reference = model.logits(images).argmaxPerRow()
        let contrary = InferenceCandidate(.integer) { batch in
            // Predicts the reference's class for the first half of the batch, another class for the rest.
            let labels = model.logits(batch).argmaxPerRow()
            var scalars = [Float](repeating: 0, count: batch.shape[0] * 10)
            for (row, label) in labels.enumerated() {
                scalars[row * 10 + (row < 8 ? Int(label) : (Int(label) + 1) % 10)] = 1
            }
            return Tensor(shape: [batch.shape[0], 10], scalars: scalars)
        }
        let measurement = KernelMeasurement(
            [
                InferenceCandidate(.dense) { model.logits($0) }, InferenceCandidate(.sparse) { sparse.logits($0) },
                contrary,
            ],
            images: images, runs: 3)
        XCTAssertEqual(measurement.candidates.map(\.kernel), [.dense, .sparse, .integer])
        for candidate in measurement.candidates {
            XCTAssertEqual(candidate.latencies.map(\.batch), [1, 16])
            for latency in candidate.latencies {
                XCTAssertEqual(latency.runs, 3)
                XCTAssertTrue(latency.fastestSeconds <= latency.medianSeconds)
                XCTAssertTrue(latency.medianSeconds <= latency.slowestSeconds)
                XCTAssertGreaterThan(latency.fastestSeconds, 0)
            }
        }
        XCTAssertEqual(measurement.candidates.map(\.agreement), [1, 1, 0.5])
        XCTAssertEqual(sparse.logits(images).argmaxPerRow(), reference)
        XCTAssertTrue(measurement.candidates.map(\.kernel).contains(measurement.chosen))

        // Groups timed together: agreement is against each group's own first kernel.
        let grouped = KernelMeasurement.measuring(
            [
                [InferenceCandidate(.dense) { model.logits($0) }],
                [contrary, InferenceCandidate(.sparse) { sparse.logits($0) }],
            ],
            images: images, runs: 2)
        XCTAssertEqual(grouped.map { $0.candidates.map(\.kernel) }, [[.dense], [.integer, .sparse]])
        XCTAssertEqual(grouped.map { $0.candidates.map(\.agreement) }, [[1], [1, 0.5]])
        XCTAssertEqual(grouped[1].candidates[1].latencies.map(\.runs), [2, 2])
    }
}
