import LoupeAudit
import LoupeSupport
import XCTest

final class VarianceOfGradientsTests: XCTestCase {
    func testMatchesTwoPassComputationOnRandomGradients() throws {
        let (examples, channels, height, width) = (7, 3, 4, 5)
        let checkpoints = (0..<6).map { uniformFloats(examples * channels * height * width, seed: UInt64(10 + $0)) }
        var vog = VarianceOfGradients(exampleCount: examples, mapSize: height * width)
        for gradients in checkpoints {
            try vog.add(gradients, shape: [examples, channels, height, width])
        }
        let expected = twoPassVoG(checkpoints, examples: examples, channels: channels, pixels: height * width)
        let scores = try vog.scores()
        XCTAssertEqual(scores.count, examples)
        for (score, reference) in zip(scores, expected) {
            XCTAssertEqual(score, reference, accuracy: 1e-5 * reference)
        }
        XCTAssertEqual(vog.checkpointCount, 6)
        XCTAssertEqual(vog.checkpointShape, [examples, channels, height, width])
    }

    func testHandComputedPopulationStandardDeviation() throws {
        // One example, two pixels. Pixel 0 sees 1, 3: mean 2, population std 1.
        // Pixel 1 sees 0, 0 then 3 (three checkpoints below): the first two checkpoints give
        // std 0; after three, pixel 0 sees 1, 3, 2 (std sqrt(2/3)) and pixel 1 sees 0, 0, 3
        // (mean 1, std sqrt(6/3) = sqrt(2)).
        var vog = VarianceOfGradients(exampleCount: 1, mapSize: 2)
        try vog.add([1, 0] as [Float], shape: [1, 1, 2])
        try vog.add([3, 0] as [Float], shape: [1, 1, 2])
        XCTAssertEqual(try vog.scores()[0], 0.5, accuracy: 1e-7)
        try vog.add([2, 3] as [Float], shape: [1, 1, 2])
        XCTAssertEqual(try vog.scores()[0], ((2.0 / 3).squareRoot() + 2.0.squareRoot()) / 2, accuracy: 1e-6)
    }

    func testConstantGradientsGiveExactlyZero() throws {
        let gradients = uniformFloats(4 * 2 * 9, seed: 3, scale: 1000)
        var vog = VarianceOfGradients(exampleCount: 4, mapSize: 9)
        for _ in 0..<7 { try vog.add(gradients, shape: [4, 2, 3, 3]) }
        XCTAssertEqual(try vog.scores(), [0, 0, 0, 0])
    }

    func testChannelsAreAveragedBeforeTheVariance() throws {
        // Channel 0 and channel 1 move in opposite directions: their mean never changes, so
        // VoG is 0 although each channel alone varies.
        var vog = VarianceOfGradients(exampleCount: 1, mapSize: 1)
        try vog.add([1, 5] as [Float], shape: [1, 2, 1, 1])
        try vog.add([4, 2] as [Float], shape: [1, 2, 1, 1])
        XCTAssertEqual(try vog.scores(), [0])

        // Three channels fed as [N, C, H, W] give the same scores as their means fed as [N, H, W].
        let (examples, pixels) = (3, 6)
        var byChannel = VarianceOfGradients(exampleCount: examples, mapSize: pixels)
        var averaged = VarianceOfGradients(exampleCount: examples, mapSize: pixels)
        for seed in 0..<4 {
            let gradients = uniformFloats(examples * 3 * pixels, seed: UInt64(seed)).map { ($0 * 64).rounded() / 64 }
            try byChannel.add(gradients, shape: [examples, 3, 2, 3])
            let means = (0..<examples * pixels).map { index -> Float in
                let (example, pixel) = index.quotientAndRemainder(dividingBy: pixels)
                return (0..<3).map { gradients[(example * 3 + $0) * pixels + pixel] }.reduce(0, +) / 3
            }
            try averaged.add(means, shape: [examples, 2, 3])
        }
        XCTAssertEqual(try byChannel.scores(), try averaged.scores())
    }

    func testDoubleGradientsMatchFloatGradients() throws {
        let checkpoints = (0..<3).map { uniformFloats(2 * 4, seed: UInt64(40 + $0)) }
        var fromFloat = VarianceOfGradients(exampleCount: 2, mapSize: 4)
        var fromDouble = VarianceOfGradients(exampleCount: 2, mapSize: 4)
        for gradients in checkpoints {
            try fromFloat.add(gradients, shape: [2, 2, 2])
            try fromDouble.add(gradients.map(Double.init), shape: [2, 2, 2])
        }
        XCTAssertEqual(try fromFloat.scores(), try fromDouble.scores())
    }

    func testFewerThanTwoCheckpointsIsAnError() throws {
        var vog = VarianceOfGradients(exampleCount: 2, mapSize: 1)
        assertThrows(InputError.self, "VoG: 0 checkpoints added, at least 2 are needed for a variance") {
            _ = try vog.scores()
        }
        try vog.add([1, 2] as [Float], shape: [2, 1, 1])
        assertThrows(InputError.self, "VoG: 1 checkpoint added, at least 2 are needed for a variance") {
            _ = try vog.scores()
        }
    }

    func testShapeErrors() throws {
        var vog = VarianceOfGradients(exampleCount: 2, mapSize: 4)
        assertThrows(
            InputError.self, "VoG checkpoint 1: gradients have shape [3, 2, 2] for 3 examples, expected 2"
        ) {
            try vog.add([Float](repeating: 0, count: 12), shape: [3, 2, 2])
        }
        assertThrows(
            InputError.self, "VoG checkpoint 1: gradients have shape [2, 1, 3, 3], maps of 9 pixels, expected 4"
        ) {
            try vog.add([Float](repeating: 0, count: 18), shape: [2, 1, 3, 3])
        }
        assertThrows(
            InputError.self,
            "VoG checkpoint 1: gradients have shape [8], expected [examples, H, W] or [examples, C, H, W]"
        ) {
            try vog.add([Float](repeating: 0, count: 8), shape: [8])
        }
        assertThrows(InputError.self, "VoG checkpoint 1: 7 gradient values for shape [2, 2, 2], expected 8") {
            try vog.add([Float](repeating: 0, count: 7), shape: [2, 2, 2])
        }
        try vog.add([Float](repeating: 0, count: 8), shape: [2, 1, 2, 2])
        assertThrows(
            InputError.self, "grad_2.npy: shape [2, 2, 2] differs from the first checkpoint's [2, 1, 2, 2]"
        ) {
            try vog.add([Float](repeating: 0, count: 8), shape: [2, 2, 2], source: "grad_2.npy")
        }
        assertThrows(
            InputError.self,
            "VoG checkpoint 2: shape [2, 3, 2, 2] differs from the first checkpoint's [2, 1, 2, 2]"
        ) {
            try vog.add([Float](repeating: 0, count: 24), shape: [2, 3, 2, 2])
        }
        XCTAssertEqual(vog.checkpointCount, 1)
    }

    func testNonFiniteGradientsAreRejectedWithoutChangingTheState() throws {
        var vog = VarianceOfGradients(exampleCount: 3, mapSize: 2)
        try vog.add([1, 2, 3, 4, 5, 6] as [Float], shape: [3, 1, 2])
        assertThrows(InputError.self, "VoG checkpoint 2: gradient of example 2 is nan") {
            try vog.add([1, 2, 3, 4, 5, .nan] as [Float], shape: [3, 1, 2])
        }
        assertThrows(InputError.self, "VoG checkpoint 2: gradient of example 1 is -inf") {
            try vog.add([1, 2, 3, -.infinity, 5, 6] as [Double], shape: [3, 1, 2])
        }
        XCTAssertEqual(vog.checkpointCount, 1)
        try vog.add([3, 2, 3, 4, 5, 6] as [Float], shape: [3, 1, 2])
        // Only example 0, pixel 0 changed (1 then 3: std 1), so its score is 1 / 2.
        XCTAssertEqual(try vog.scores(), [0.5, 0, 0])
    }
}
