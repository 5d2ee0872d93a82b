import Foundation
import LoupeNN
import XCTest

final class LearningRateScheduleTests: XCTestCase {
    func rates(_ schedule: LearningRateSchedule, at steps: [Int], base: Float = 1, total: Int = 100)
        -> [Float]
    {
        steps.map { schedule.learningRate(atStep: $0, baseRate: base, totalSteps: total) }
    }

    func assertRates(
        _ actual: [Float], _ expected: [Float], file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(actual.count, expected.count, file: file, line: line)
        for (a, e) in zip(actual, expected) {
            XCTAssertEqual(
                a, e, accuracy: 1e-6 * max(1, abs(e)), "\(actual) vs \(expected)", file: file, line: line)
        }
    }

    func testConstant() {
        assertRates(rates(.constant, at: [0, 50, 100, 1000], base: 0.3), [0.3, 0.3, 0.3, 0.3])
    }

    func testStepMultipliesByGammaEveryInterval() {
        assertRates(
            rates(.step(interval: 30, gamma: 0.1), at: [0, 29, 30, 59, 60, 95], base: 0.5),
            [0.5, 0.5, 0.05, 0.05, 0.005, 0.0005])
    }

    /// Hand-computed `min + (base - min) * (1 + cos(pi * step / total)) / 2` for base 1, min 0.1.
    func testCosineAnnealsToTheMinimumAndStaysThere() {
        assertRates(
            rates(.cosine(minimum: 0.1), at: [0, 25, 50, 75, 100, 150]),
            [1, 0.868198052, 0.55, 0.231801948, 0.1, 0.1])
    }

    func testWarmupRisesLinearlyFromZeroToTheBaseRate() {
        let schedule = LearningRateSchedule.warmup(steps: 10, then: .constant)
        assertRates(
            rates(schedule, at: [0, 1, 5, 9, 10, 50], base: 0.2), [0, 0.02, 0.1, 0.18, 0.2, 0.2])
    }

    /// The following schedule counts from the end of the warm-up, over the remaining steps.
    func testWarmupThenCosineAnnealsOverTheRemainingSteps() {
        let schedule = LearningRateSchedule.warmup(steps: 10, then: .cosine(minimum: 0))
        assertRates(rates(schedule, at: [0, 5, 10, 60, 110], total: 110), [0, 0.5, 1, 0.5, 0])
    }

    func testWarmupThenStep() {
        let schedule = LearningRateSchedule.warmup(steps: 10, then: .step(interval: 5, gamma: 0.5))
        assertRates(rates(schedule, at: [5, 10, 14, 15, 20]), [0.5, 1, 1, 0.5, 0.25])
    }

    func testParsing() throws {
        let cases: [(String, LearningRateSchedule)] = [
            ("constant", .constant),
            ("step:30:0.1", .step(interval: 30, gamma: 0.1)),
            ("cosine", .cosine(minimum: 0)),
            ("cosine:min=1e-5", .cosine(minimum: 1e-5)),
            ("warmup:500", .warmup(steps: 500, then: .constant)),
            ("warmup:500+cosine", .warmup(steps: 500, then: .cosine(minimum: 0))),
            ("warmup:5+step:2:0.5", .warmup(steps: 5, then: .step(interval: 2, gamma: 0.5))),
        ]
        for (text, expected) in cases {
            let parsed = try LearningRateSchedule(parsing: text)
            XCTAssertEqual(parsed, expected, text)
            XCTAssertEqual(
                try LearningRateSchedule(parsing: parsed.description), parsed, "round trip of \(text)")
        }
    }

    func testParsingErrorsSayWhatIsWrong() {
        let cases: [(String, String)] = [
            ("", "empty schedule"),
            ("linear", "unknown schedule 'linear'"),
            ("constant:1", "wrong arguments for 'constant'"),
            ("step:30", "wrong arguments for 'step'"),
            ("step:0:0.1", "step interval '0' is not a positive integer"),
            ("step:30:-1", "step factor '-1' is not a positive number"),
            ("cosine:1e-5", "wrong arguments for 'cosine'"),
            ("cosine:min=-1", "cosine minimum '-1' is not a non-negative number"),
            ("cosine:min=nan", "cosine minimum 'nan' is not a non-negative number"),
            ("warmup:abc+cosine", "warm-up length 'abc' is not a positive integer"),
            ("warmup:10+", "nothing follows '+'"),
            ("warmup:10+bogus", "unknown schedule 'bogus'"),
        ]
        for (text, reason) in cases {
            XCTAssertThrowsError(try LearningRateSchedule(parsing: text), text) { error in
                let parseError = error as? LearningRateScheduleParseError
                XCTAssertEqual(parseError?.input, text)
                XCTAssertEqual(parseError?.reason, reason)
                let message = String(describing: error)
                XCTAssertTrue(
                    message.hasPrefix("invalid learning-rate schedule '\(text)': \(reason)"), message)
                XCTAssertFalse(message.contains("\n"), message)
            }
            XCTAssertNil(LearningRateSchedule(text), text)
        }
    }

    func testCodableUsesTheStringForm() throws {
        let schedule = LearningRateSchedule.warmup(steps: 500, then: .cosine(minimum: 1e-5))
        let json = try JSONEncoder().encode([schedule])
        XCTAssertEqual(String(decoding: json, as: UTF8.self), #"["warmup:500+cosine:min=1e-05"]"#)
        XCTAssertEqual(try JSONDecoder().decode([LearningRateSchedule].self, from: json), [schedule])
        XCTAssertThrowsError(
            try JSONDecoder().decode([LearningRateSchedule].self, from: Data(#"["step:x"]"#.utf8)))
    }
}
