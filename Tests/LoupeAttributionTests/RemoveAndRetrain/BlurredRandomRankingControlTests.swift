import LoupeAttribution
import LoupeNN
import LoupeRandom
import LoupeTensor
import XCTest

final class BlurredRandomRankingControlTests: XCTestCase {
    let model = try! Model(architecture: RemoveAndRetrainFixtures.tinyMLP, seed: 0)

    /// Each channel is noise drawn from the example's seed on a plane padded by the radius,
    /// blurred in valid mode.
    func testMapIsBlurredNoiseOfTheSeed() throws {
        let control = BlurredRandomRankingControl(sigma: 1)
        let map = control.map(channels: 2, height: 4, width: 5, seed: 77)
        var generator = SeededGenerator(seed: 77)
        var expected: [Float] = []
        for _ in 0..<2 {
            let noise = (0..<(10 * 11)).map { _ in Double(generator.nextNormal()) }
            expected += GaussianBlur(sigma: 1).blurValid(noise, height: 10, width: 11).map(Float.init)
        }
        XCTAssertEqual(map, expected)
    }

    func testDeterministicAndIndependentOfBatching() throws {
        let control = BlurredRandomRankingControl()
        let images = Tensor(zeros: [3, 1, 4, 4])
        let seeds: [UInt64] = [4, 5, 6]
        let whole = try control.attributions(images, targets: [0, 0, 0], model: model, seeds: seeds)
        XCTAssertEqual(whole.shape, [3, 1, 4, 4])
        let last = try control.attributions(Tensor(zeros: [1, 1, 4, 4]), targets: [1], model: model, seeds: [6])
        XCTAssertEqual(Array(whole.scalars[32..<48]), last.scalars)
        XCTAssertNotEqual(Array(whole.scalars[0..<16]), Array(whole.scalars[16..<32]))
    }

    /// Neighbouring elements are strongly correlated (blobs), and the border has the same
    /// variance as the centre, so the ranking prefers no region: over many seeds, the corner
    /// and the centre element have about the same mean square.
    func testBlobsWithoutBorderPreference() {
        let control = BlurredRandomRankingControl(sigma: 2)
        let (height, width) = (12, 12)
        var corner = 0.0
        var centre = 0.0
        var neighbourProduct = 0.0
        let samples = 600
        for seed in 0..<samples {
            let map = control.map(channels: 1, height: height, width: width, seed: UInt64(seed)).map(Double.init)
            corner += map[0] * map[0]
            centre += map[6 * width + 6] * map[6 * width + 6]
            neighbourProduct += map[6 * width + 6] * map[6 * width + 7]
        }
        XCTAssertEqual(corner / centre, 1, accuracy: 0.3)
        XCTAssertGreaterThan(neighbourProduct / centre, 0.8, "neighbours correlate (about exp(-1/16) = 0.94)")
    }
}
