import Foundation
import LoupeAudit
import LoupeData
import LoupeSupport
import XCTest

final class DifficultyNPYTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("difficulty-npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    private func write(_ array: NPYArray, _ name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try NPYFile.write(array, to: url)
        return url
    }

    func testGradientFilesGiveTheSameScoresAsArraysInMemory() throws {
        let checkpoints = (0..<6).map { uniformFloats(4 * 3 * 2 * 2, seed: UInt64(200 + $0)) }
        var urls: [URL] = []
        for (index, gradients) in checkpoints.enumerated() {
            // Alternate float32 and float64 files; the values are the same.
            let elements: NPYArray.Elements =
                index % 2 == 0 ? .float32(gradients) : .float64(gradients.map(Double.init))
            urls.append(try write(NPYArray(shape: [4, 3, 2, 2], elements: elements), "grad_\(index).npy"))
        }
        let fromFiles = try VarianceOfGradients.readNPY(checkpoints: urls)
        let expected = twoPassVoG(checkpoints, examples: 4, channels: 3, pixels: 4)
        for (score, reference) in zip(try fromFiles.scores(), expected) {
            XCTAssertEqual(score, reference, accuracy: 1e-5 * reference)
        }
        let staged = try StagedVarianceOfGradients.readNPY(checkpoints: urls)
        XCTAssertEqual(try staged.scores(for: .all), try fromFiles.scores())
        let late = twoPassVoG(Array(checkpoints[4..<6]), examples: 4, channels: 3, pixels: 4)
        for (score, reference) in zip(try staged.scores(for: .late), late) {
            XCTAssertEqual(score, reference, accuracy: 1e-5 * reference)
        }

        // Rank-3 files ([examples, H, W]) are single-channel maps.
        let maps = try (0..<2).map { index in
            try write(
                NPYArray(shape: [4, 2, 2], elements: .float32(uniformFloats(16, seed: UInt64(300 + index)))),
                "map_\(index).npy")
        }
        XCTAssertEqual(try VarianceOfGradients.readNPY(checkpoints: maps).checkpointShape, [4, 2, 2])
    }

    func testGradientFileErrors() throws {
        let first = try write(NPYArray(shape: [4, 1, 2, 2], elements: .float32(uniformFloats(16, seed: 1))), "g0.npy")
        let wider = try write(NPYArray(shape: [4, 1, 2, 3], elements: .float32(uniformFloats(24, seed: 2))), "g1.npy")
        let fewer = try write(NPYArray(shape: [3, 1, 2, 2], elements: .float32(uniformFloats(12, seed: 3))), "g2.npy")
        let integers = try write(
            NPYArray(shape: [4, 1, 2, 2], elements: .int32([Int32](repeating: 0, count: 16))), "g3.npy")
        let flat = try write(NPYArray(shape: [16], elements: .float32(uniformFloats(16, seed: 4))), "g4.npy")
        assertThrows(InputError.self, "VoG: 1 checkpoint file given, at least 2 are needed for a variance") {
            _ = try VarianceOfGradients.readNPY(checkpoints: [first])
        }
        assertThrows(
            InputError.self, "g1.npy: shape [4, 1, 2, 3] differs from the first checkpoint's [4, 1, 2, 2]"
        ) {
            _ = try VarianceOfGradients.readNPY(checkpoints: [first, wider])
        }
        assertThrows(
            InputError.self, "g2.npy: shape [3, 1, 2, 2] differs from the first checkpoint's [4, 1, 2, 2]"
        ) {
            _ = try VarianceOfGradients.readNPY(checkpoints: [first, first, fewer])
        }
        assertThrows(InputError.self, "g3.npy: gradients have dtype <i4, expected <f4 or <f8") {
            _ = try VarianceOfGradients.readNPY(checkpoints: [first, integers])
        }
        assertThrows(
            InputError.self, "g4.npy: gradients have shape [16], expected [examples, H, W] or [examples, C, H, W]"
        ) {
            _ = try StagedVarianceOfGradients.readNPY(checkpoints: [flat, first], stages: [.all])
        }
        // The operating system's wording follows the file name and problem, so only the start is checked.
        XCTAssertThrowsError(
            try VarianceOfGradients.readNPY(checkpoints: [first, directory.appendingPathComponent("missing.npy")])
        ) { error in
            XCTAssertTrue("\(error)".hasPrefix("missing.npy: No such file or directory"), "\(error)")
            XCTAssertTrue(error is InputError)
        }
    }

    func testEpochLogitsFromNPY() throws {
        let url = try write(
            NPYArray(shape: [4, 5, 3], elements: .float64(dynamicsLogits.map(Double.init))), "logits.npy")
        let logits = try EpochLogits.readNPY(url)
        XCTAssertEqual(logits.shape, [4, 5, 3])
        XCTAssertEqual(logits.values, dynamicsLogits)
        XCTAssertEqual(logits.source, "logits.npy")
        XCTAssertEqual(try TrainingDynamics(logits: logits, labels: dynamicsLabels).forgettingEvents, [0, 2, 0, 1, 1])
        assertThrows(InputError.self, "logits.npy: label 5 of example 2 is outside 0..<3") {
            _ = try TrainingDynamics(logits: logits, labels: [0, 1, 5, 0, 1])
        }
    }

    func testEpochLogitsFileErrors() throws {
        let empty = try write(NPYArray(shape: [0, 5, 3], elements: .float32([])), "empty.npy")
        assertThrows(InputError.self, "empty.npy: logits of shape [0, 5, 3] have no epochs") {
            _ = try EpochLogits.readNPY(empty)
        }
        let flat = try write(NPYArray(shape: [15], elements: .float32(Array(dynamicsLogits[0..<15]))), "flat.npy")
        assertThrows(
            InputError.self, "flat.npy: logits have shape [15], expected rank 3 [epochs, examples, classes]"
        ) {
            _ = try EpochLogits.readNPY(flat)
        }
        let labels = try write(
            NPYArray(shape: [1, 5, 3], elements: .int64([Int64](repeating: 0, count: 15))), "labels.npy")
        assertThrows(InputError.self, "labels.npy: logits have dtype <i8, expected <f4 or <f8") {
            _ = try EpochLogits.readNPY(labels)
        }
        let seed1 = try EpochLogits.readNPY(
            try write(NPYArray(shape: [4, 5, 3], elements: .float32(dynamicsLogits)), "seed1.npy"))
        let seed2 = try EpochLogits.readNPY(
            try write(NPYArray(shape: [2, 6, 2], elements: .float32(Array(dynamicsLogits[0..<24]))), "seed2.npy"))
        assertThrows(
            InputError.self,
            "seed2.npy: logits of shape [2, 6, 2] disagree with seed1.npy's [4, 5, 3] in examples or classes"
        ) {
            _ = try EL2N.scores(runs: [seed1, seed2], labels: dynamicsLabels, epoch: 0)
        }
    }
}
