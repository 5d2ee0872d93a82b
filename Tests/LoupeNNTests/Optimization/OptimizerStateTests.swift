import LoupeNN
import LoupeRandom
import LoupeTensor
import XCTest

final class OptimizerStateTests: XCTestCase {
    let learningRates: [Float] = [0.1, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02]
    /// The shapes of the problem's parameters, [2, 3] and [3].
    let shapes = QuadraticProblem.initialParameters.map(\.shape)

    /// Runs three steps, moves the state into a fresh optimizer and runs the rest there.
    func assertResumesBitIdentically<O: Optimizer>(
        _ makeOptimizer: () -> O, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        var uninterrupted = makeOptimizer()
        let expected = QuadraticProblem.run(&uninterrupted, learningRates: learningRates)

        var first = makeOptimizer()
        let midway = QuadraticProblem.run(&first, learningRates: Array(learningRates.prefix(3)))
        var resumed = makeOptimizer()
        try resumed.restore(from: first.stateTensors(), parameterShapes: shapes)
        XCTAssertEqual(resumed.stateTensors(), first.stateTensors(), file: file, line: line)
        let actual = QuadraticProblem.run(
            &resumed, learningRates: Array(learningRates.dropFirst(3)), from: midway)

        assertBitIdentical(actual, expected, file: file, line: line)
        XCTAssertEqual(resumed.stateTensors(), uninterrupted.stateTensors(), file: file, line: line)
    }

    func testSGDResumesBitIdentically() throws {
        try assertResumesBitIdentically { SGD(momentum: 0.9, nesterov: true, weightDecay: 0.1) }
    }

    func testAdamResumesBitIdentically() throws {
        try assertResumesBitIdentically { Adam(weightDecay: 0.1, excludedFromWeightDecay: [1]) }
    }

    func testAdamWResumesBitIdentically() throws {
        try assertResumesBitIdentically { AdamW(weightDecay: 0.1) }
    }

    func testStateTensorNamesAndStepCount() {
        var adam = Adam()
        _ = QuadraticProblem.run(&adam, learningRates: [0.1, 0.1, 0.1])
        let state = adam.stateTensors()
        XCTAssertEqual(
            Set(state.keys),
            [
                "state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq",
                "state.1.step", "state.1.exp_avg", "state.1.exp_avg_sq",
            ])
        XCTAssertEqual(state["state.0.step"]?.scalar, 3)
        XCTAssertEqual(state["state.1.exp_avg_sq"]?.shape, [3])

        var sgd = SGD(momentum: 0.9)
        _ = QuadraticProblem.run(&sgd, learningRates: [0.1])
        XCTAssertEqual(
            Set(sgd.stateTensors().keys), ["state.0.momentum_buffer", "state.1.momentum_buffer"])
        XCTAssertEqual(SGD().stateTensors(), [:], "SGD without momentum keeps no state")
    }

    func testRestoringEmptyStateStartsAfresh() throws {
        var fresh = AdamW()
        var restarted = AdamW()
        _ = QuadraticProblem.run(&restarted, learningRates: [0.1, 0.1])
        try restarted.restore(from: [:], parameterShapes: shapes)
        assertBitIdentical(
            QuadraticProblem.run(&restarted, learningRates: learningRates),
            QuadraticProblem.run(&fresh, learningRates: learningRates))
    }

    func testRestoreRejectsMalformedState() {
        var adam = Adam()
        _ = QuadraticProblem.run(&adam, learningRates: [0.1, 0.1])
        let valid = adam.stateTensors()

        func assertRejected(
            _ state: [String: Tensor], with expected: OptimizerStateError, line: UInt = #line
        ) {
            var optimizer = Adam()
            XCTAssertThrowsError(try optimizer.restore(from: state, parameterShapes: shapes), line: line) { error in
                XCTAssertEqual(error as? OptimizerStateError, expected, line: line)
            }
            XCTAssertEqual(optimizer.stateTensors(), [:], "a failed restore changes nothing", line: line)
        }

        var withForeignName = valid
        withForeignName["state.0.momentum_buffer"] = Tensor(zeros: [2, 3])
        assertRejected(withForeignName, with: .unexpectedTensor(name: "state.0.momentum_buffer"))
        var withBadPosition = valid
        withBadPosition["state.-1.step"] = Tensor(1)
        assertRejected(withBadPosition, with: .unexpectedTensor(name: "state.-1.step"))

        var missingMoment = valid
        missingMoment["state.1.exp_avg_sq"] = nil
        assertRejected(missingMoment, with: .missingTensor(name: "state.1.exp_avg_sq"))

        for badStep: Float in [0, 2.5, 1e8] {
            var withBadStep = valid
            withBadStep["state.0.step"] = Tensor(badStep)
            assertRejected(withBadStep, with: .invalidStepCount(name: "state.0.step"))
        }

        var withMismatchedShapes = valid
        withMismatchedShapes["state.0.exp_avg_sq"] = Tensor(zeros: [6])
        assertRejected(
            withMismatchedShapes,
            with: .shapeMismatch(name: "state.0.exp_avg_sq", shape: [6], expected: [2, 3]))

        // Both moments agree with each other but not with the parameter they belong to.
        var withBothMomentsWrong = valid
        withBothMomentsWrong["state.1.exp_avg"] = Tensor(zeros: [2])
        withBothMomentsWrong["state.1.exp_avg_sq"] = Tensor(zeros: [2])
        assertRejected(
            withBothMomentsWrong, with: .shapeMismatch(name: "state.1.exp_avg", shape: [2], expected: [3]))

        // A position the model does not have never sizes anything.
        var withHugePosition = valid
        withHugePosition["state.2147483648.step"] = Tensor(1)
        assertRejected(
            withHugePosition, with: .positionOutOfRange(name: "state.2147483648.step", parameterCount: 2))

        // A position with no state at all while another has some is not dropped silently.
        var withMissingPosition = valid
        for field in ["step", "exp_avg", "exp_avg_sq"] { withMissingPosition["state.1.\(field)"] = nil }
        assertRejected(withMissingPosition, with: .missingTensor(name: "state.1.exp_avg"))

        var withNaN = valid
        withNaN["state.0.exp_avg"] = Tensor(repeating: .nan, shape: [2, 3])
        assertRejected(withNaN, with: .nonFinite(name: "state.0.exp_avg"))
        var withNaNStep = valid
        withNaNStep["state.0.step"] = Tensor(.nan)
        assertRejected(withNaNStep, with: .nonFinite(name: "state.0.step"))
    }

    /// A momentum buffer must have its parameter's shape, and must exist for every parameter.
    func testSGDRestoreChecksEveryBufferAgainstItsParameter() {
        var sgd = SGD(momentum: 0.9)
        _ = QuadraticProblem.run(&sgd, learningRates: [0.1])
        let valid = sgd.stateTensors()

        func assertRejected(_ state: [String: Tensor], with expected: OptimizerStateError, line: UInt = #line) {
            var optimizer = SGD(momentum: 0.9)
            XCTAssertThrowsError(try optimizer.restore(from: state, parameterShapes: shapes), line: line) { error in
                XCTAssertEqual(error as? OptimizerStateError, expected, line: line)
            }
            XCTAssertEqual(optimizer.stateTensors(), [:], "a failed restore changes nothing", line: line)
        }
        var wrongShape = valid
        wrongShape["state.0.momentum_buffer"] = Tensor(zeros: [3, 2])
        assertRejected(
            wrongShape, with: .shapeMismatch(name: "state.0.momentum_buffer", shape: [3, 2], expected: [2, 3]))
        var missing = valid
        missing["state.0.momentum_buffer"] = nil
        assertRejected(missing, with: .missingTensor(name: "state.0.momentum_buffer"))
        var beyond = valid
        beyond["state.2.momentum_buffer"] = Tensor(zeros: [3])
        assertRejected(beyond, with: .positionOutOfRange(name: "state.2.momentum_buffer", parameterCount: 2))
        var unknown = valid
        unknown["state.0.exp_avg"] = Tensor(zeros: [2, 3])
        assertRejected(unknown, with: .unexpectedTensor(name: "state.0.exp_avg"))
    }

    func testStateErrorDescriptionsNameTheTensor() {
        XCTAssertEqual(
            OptimizerStateError.missingTensor(name: "state.1.exp_avg_sq").description,
            "missing optimizer state tensor 'state.1.exp_avg_sq'")
        XCTAssertEqual(
            OptimizerStateError.shapeMismatch(name: "state.0.exp_avg", shape: [6], expected: [2, 3])
                .description,
            "optimizer state tensor 'state.0.exp_avg' has shape [6], expected [2, 3]")
    }
}

final class SGDThreadsTests: XCTestCase {
    /// Large parameters are updated by several threads in element ranges; the weights and
    /// momentum buffers are bit for bit those of one thread (plain and Nesterov momentum).
    func testThreadCountDoesNotChangeTheUpdate() {
        var rng = SeededGenerator(seed: 9)
        let shape = [300, 250]  // 75,000 elements: split on 2 and 3 threads
        let start = Tensor(shape: shape, scalars: (0..<75_000).map { _ in rng.nextUniform() - 0.5 })
        let gradients = (0..<3).map { _ in
            Tensor(shape: shape, scalars: (0..<75_000).map { _ in rng.nextUniform() - 0.5 })
        }
        for nesterov in [false, true] {
            func run(threads: Int) -> ([Tensor], [String: Tensor]) {
                var sgd = SGD(momentum: 0.9, nesterov: nesterov, weightDecay: 0.01)
                sgd.threads = threads
                var parameters = [start, Tensor(repeating: 1, shape: [7])]
                for gradient in gradients {
                    sgd.step(
                        parameters: &parameters, gradients: [gradient, Tensor(repeating: 0.5, shape: [7])],
                        learningRate: 0.1)
                }
                return (parameters, sgd.stateTensors())
            }
            let single = run(threads: 1)
            XCTAssertNotEqual(single.0[0], start)
            for threads in [2, 3] {
                let several = run(threads: threads)
                XCTAssertEqual(several.0, single.0, "nesterov \(nesterov), \(threads) threads")
                XCTAssertEqual(several.1, single.1)
            }
        }
    }

    /// Tensor names come from the checkpoint: one that holds a line break or an escape
    /// sequence is shown escaped, so the message stays one visible line.
    func testTensorNamesFromTheFileAreEscaped() {
        XCTAssertEqual(
            OptimizerStateError.unexpectedTensor(name: "m\n\u{1B}[2J").description,
            "unexpected optimizer state tensor 'm\\n\\x1b[2J'")
        XCTAssertEqual(
            ResumeError.optimizerState(.missingTensor(name: "a\rb")).description,
            "missing optimizer state tensor 'a\\rb'")
    }
}
