import LoupeAudit
import LoupeSupport
import XCTest

final class StagedVarianceOfGradientsTests: XCTestCase {
    func testStagesSplitRemaindersOntoTheEarlyStagesFirst() {
        func split(_ count: Int) -> [Range<Int>] {
            [TrainingStage.early, .middle, .late].map { $0.checkpointIndices(checkpointCount: count) }
        }
        XCTAssertEqual(split(9), [0..<3, 3..<6, 6..<9])
        XCTAssertEqual(split(10), [0..<4, 4..<7, 7..<10])
        XCTAssertEqual(split(11), [0..<4, 4..<8, 8..<11])
        XCTAssertEqual(split(2), [0..<1, 1..<2, 2..<2])
        XCTAssertEqual(TrainingStage.all.checkpointIndices(checkpointCount: 10), 0..<10)
        XCTAssertEqual(
            (0..<10).map { TrainingStage.third(ofCheckpoint: $0, checkpointCount: 10) },
            [.early, .early, .early, .early, .middle, .middle, .middle, .late, .late, .late])
    }

    func testEachStageMatchesATwoPassComputationOverItsOwnCheckpoints() throws {
        let (examples, channels, pixels) = (5, 2, 6)
        let checkpoints = (0..<10).map { uniformFloats(examples * channels * pixels, seed: UInt64(100 + $0)) }
        var staged = try StagedVarianceOfGradients(checkpointCount: 10, exampleCount: examples, mapSize: pixels)
        for gradients in checkpoints {
            try staged.add(gradients, shape: [examples, channels, 2, 3])
        }
        for (stage, range) in [(TrainingStage.early, 0..<4), (.middle, 4..<7), (.late, 7..<10), (.all, 0..<10)] {
            let expected = twoPassVoG(Array(checkpoints[range]), examples: examples, channels: channels, pixels: pixels)
            for (score, reference) in zip(try staged.scores(for: stage), expected) {
                XCTAssertEqual(score, reference, accuracy: 1e-5 * reference, "\(stage)")
            }
        }
        XCTAssertNotEqual(try staged.scores(for: .early), try staged.scores(for: .late))
    }

    func testOnlyRequestedStagesAreComputed() throws {
        var staged = try StagedVarianceOfGradients(
            checkpointCount: 6, exampleCount: 1, mapSize: 1, stages: [.late])
        for value in [0, 0, 0, 0, 1, 3] as [Float] { try staged.add([value], shape: [1, 1, 1]) }
        // The late third is checkpoints 4 and 5: values 1 and 3, population std 1.
        XCTAssertEqual(try staged.scores(for: .late), [1])
        assertThrows(InputError.self, "VoG: stage 'all' was not requested") {
            _ = try staged.scores(for: .all)
        }
    }

    func testStageErrors() throws {
        assertThrows(
            InputError.self, "VoG: stage 'late' gets 1 of 5 checkpoints, at least 2 are needed for a variance"
        ) {
            _ = try StagedVarianceOfGradients(checkpointCount: 5, exampleCount: 1, mapSize: 1)
        }
        assertThrows(
            InputError.self, "VoG: stage 'all' gets 1 of 1 checkpoints, at least 2 are needed for a variance"
        ) {
            _ = try StagedVarianceOfGradients(checkpointCount: 1, exampleCount: 1, mapSize: 1, stages: [.all])
        }
        var staged = try StagedVarianceOfGradients(checkpointCount: 2, exampleCount: 1, mapSize: 1, stages: [.all])
        try staged.add([1] as [Float], shape: [1, 1, 1])
        assertThrows(InputError.self, "VoG: 1 of 2 checkpoints added, the stages need all") {
            _ = try staged.scores(for: .all)
        }
        assertThrows(
            InputError.self, "VoG checkpoint 2: shape [1, 1, 1, 1] differs from the first checkpoint's [1, 1, 1]"
        ) {
            try staged.add([1] as [Float], shape: [1, 1, 1, 1])
        }
        try staged.add([2] as [Float], shape: [1, 1, 1])
        assertThrows(InputError.self, "VoG checkpoint 3: all 2 checkpoints were already added") {
            try staged.add([3] as [Float], shape: [1, 1, 1])
        }
        XCTAssertEqual(try staged.scores(for: .all), [0.5])
    }
}
