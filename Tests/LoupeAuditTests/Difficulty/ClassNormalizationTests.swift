import LoupeAudit
import LoupeSupport
import XCTest

final class ClassNormalizationTests: XCTestCase {
    func testZScoresHaveMeanZeroAndStandardDeviationOnePerClass() throws {
        let scores = uniformFloats(60, seed: 5, scale: 3).enumerated().map {
            Double($0.element) + Double($0.offset % 3) * 10
        }
        let labels = (0..<60).map { $0 % 3 }
        let z = try ClassNormalization.zScore.apply(to: scores, labels: labels)
        for label in 0..<3 {
            let values = zip(z, labels).filter { $0.1 == label }.map(\.0)
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            XCTAssertEqual(mean, 0, accuracy: 1e-6)
            XCTAssertEqual(variance.squareRoot(), 1, accuracy: 1e-6)
        }
        let absolute = try ClassNormalization.absoluteZScore.apply(to: scores, labels: labels)
        XCTAssertEqual(absolute, z.map { abs($0) })
    }

    func testHandComputedValuesAndConstantClasses() throws {
        // Class 0: scores 1, 3 (mean 2, population std 1) -> -1, 1.
        // Class 1: scores 4, 4, 4 (std 0) -> 0. Class 2: scores 0, 0, 6 (mean 2, std sqrt(8)).
        let scores: [Double] = [1, 4, 3, 4, 0, 4, 0, 6]
        let labels = [0, 1, 0, 1, 2, 1, 2, 2]
        let z = try ClassNormalization.zScore.apply(to: scores, labels: labels)
        let s = 8.0.squareRoot()
        let expected = [-1, 0, 1, 0, -2 / s, 0, -2 / s, 4 / s]
        for (value, reference) in zip(z, expected) { XCTAssertEqual(value, reference, accuracy: 1e-12) }
        XCTAssertEqual(try ClassNormalization.absoluteZScore.apply(to: scores, labels: labels)[0], 1, accuracy: 1e-12)
    }

    func testErrors() {
        assertThrows(InputError.self, "class normalisation: 2 labels for 3 examples") {
            _ = try ClassNormalization.zScore.apply(to: [1, 2, 3], labels: [0, 1])
        }
        assertThrows(InputError.self, "class normalisation: label -1 of example 1 is outside 0...") {
            _ = try ClassNormalization.zScore.apply(to: [1, 2], labels: [0, -1])
        }
        assertThrows(InputError.self, "class normalisation: score of example 0 is nan") {
            _ = try ClassNormalization.zScore.apply(to: [.nan, 2], labels: [0, 0])
        }
    }
}
