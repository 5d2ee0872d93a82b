import LoupeTensor
import XCTest

/// `normalizedChannels(mean:std:)`: forward against a naive loop, backward against the rule
/// written out (dy / std) and central finite differences.
final class ChannelNormalizationTests: XCTestCase {
    func testForwardAndBackwardMatchNaiveLoops() {
        let (mean, std): ([Float], [Float]) = ([0.2, -0.5, 1.5], [0.25, 2, 0.7])
        let x = randomTensor([2, 3, 4, 5], seed: 7)
        let tape = Tape()
        let input = tape.variable(x)
        let output = input.normalizedChannels(mean: mean, std: std)
        let probe = randomTensor(output.shape, seed: 8)
        let gradient = tape.gradients(of: output, seed: probe)[input]!
        for n in 0..<2 {
            for c in 0..<3 {
                for s in 0..<20 {
                    let i = (n * 3 + c) * 20 + s
                    XCTAssertEqual(output.value.scalars[i], (x.scalars[i] - mean[c]) / std[c])
                    XCTAssertEqual(gradient.scalars[i], probe.scalars[i] / std[c])
                }
            }
        }
    }

    func testGradientMatchesFiniteDifferences() {
        assertGradientsMatchFiniteDifferences([randomTensor([3, 2, 3, 3], seed: 1)]) {
            $0[0].normalizedChannels(mean: [0.5, -0.1], std: [0.3, 1.7])
        }
        // Rank 2, one channel per feature.
        assertGradientsMatchFiniteDifferences([randomTensor([4, 3], seed: 2)]) {
            $0[0].normalizedChannels(mean: [0, 1, 2], std: [1, 0.5, 4])
        }
    }
}
