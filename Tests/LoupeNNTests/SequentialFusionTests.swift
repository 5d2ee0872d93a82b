import LoupeRandom
import XCTest

@testable import LoupeNN
@testable import LoupeTensor

/// `Sequential` runs Linear + ReLU and Conv2d + ReLU + MaxPool2d as fused operations, unless
/// the tape overrides ReLU's backward rule.
final class SequentialFusionTests: XCTestCase {
    func kinds(_ name: String, overridingReLU: Bool, channels: Int = 1) throws -> [OperationKind] {
        let model = try Model(architecture: .builtin(name, inputShape: [channels, 28, 28], classes: 10)!, seed: 1)
        let tape = Tape()
        if overridingReLU { tape.backwardOverrides[.relu] = { _, _, g in [g] } }
        var context = model.makeContext(tape: tape, isTraining: false, generator: SeededGenerator(seed: 1))
        _ = model(tape.constant(Tensor(zeros: [2, channels, 28, 28])), &context)
        return tape.nodes.map(\.kind)
    }

    func testFusedOperationsUnlessReLUIsOverridden() throws {
        XCTAssertEqual(try kinds("mlp", overridingReLU: false).filter { $0 == .linearReLU }.count, 2)
        XCTAssertFalse(try kinds("mlp", overridingReLU: false).contains(.relu))
        XCTAssertEqual(try kinds("mlp", overridingReLU: true).filter { $0 == .relu }.count, 2)
        XCTAssertFalse(try kinds("mlp", overridingReLU: true).contains(.linearReLU))
        XCTAssertEqual(try kinds("cnn", overridingReLU: false).filter { $0 == .conv2dReLUMaxPool2d }.count, 2)
        XCTAssertEqual(try kinds("cnn", overridingReLU: false).filter { $0 == .linearReLU }.count, 1)
        XCTAssertEqual(try kinds("cnn", overridingReLU: true).filter { $0 == .relu }.count, 3)
    }

    /// resnet-mini runs batch norm + ReLU fused, and each block's last batch norm with the
    /// residual sum and its ReLU.
    func testResNetFusesBatchNormReLUAndResidualSums() throws {
        let fused = try kinds("resnet-mini", overridingReLU: false, channels: 3)
        XCTAssertEqual(fused.filter { $0 == .batchNormReLU }.count, 4)
        XCTAssertEqual(fused.filter { $0 == .batchNormAddReLU }.count, 3)
        // Only the shortcuts' batch norms (stages 2 and 3) stand alone.
        XCTAssertEqual(fused.filter { $0 == .batchNorm }.count, 2)
        XCTAssertFalse(fused.contains(.relu) || fused.contains(.addReLU))
        let unfused = try kinds("resnet-mini", overridingReLU: true, channels: 3)
        XCTAssertEqual(unfused.filter { $0 == .relu }.count, 7)
        XCTAssertFalse(
            unfused.contains(.batchNormReLU) || unfused.contains(.addReLU) || unfused.contains(.batchNormAddReLU))
    }

    /// With ReLU's own rule set as an override (which turns fusion off), resnet-mini's loss,
    /// parameter gradients and batch statistics in training are the fused run's, bit for bit.
    func testResNetFusionKeepsTrainingValuesAndGradientsBitIdentical() throws {
        let model = try Model(architecture: .builtin("resnet-mini", inputShape: [3, 12, 12], classes: 4)!, seed: 3)
        var generator = SeededGenerator(seed: 4)
        let images = Tensor(shape: [3, 3, 12, 12], scalars: (0..<(3 * 3 * 144)).map { _ in generator.nextUniform() })
        func run(fused: Bool) -> [[UInt32]] {
            let tape = Tape()
            if !fused {
                tape.backwardOverrides[.relu] = { inputs, _, g in
                    [Tensor(shape: g.shape, scalars: zip(g.scalars, inputs[0].scalars).map { $1 > 0 ? $0 : 0 })]
                }
            }
            var context = model.makeContext(tape: tape, isTraining: true)
            let loss = model(tape.constant(images), &context).crossEntropy(labels: [0, 3, 1])
            let gradients = tape.gradients(of: loss)
            let parameters = model.parameterVariables(in: context).map { gradients[$0]!.scalars.map(\.bitPattern) }
            let statistics = context.batchStatistics.keys.sorted().flatMap {
                [context.batchStatistics[$0]!.mean.scalars, context.batchStatistics[$0]!.variance.scalars]
            }
            return [[loss.value.scalar.bitPattern]] + parameters + statistics.map { $0.map(\.bitPattern) }
        }
        XCTAssertEqual(run(fused: true), run(fused: false))
    }

    /// In inference, where nothing needs a gradient, every convolution followed by batch norm
    /// runs as one operation (with the ReLU after it, when there is one, and a residual block's
    /// sum after its last one), and the logits are the
    /// unfused network's bit for bit; with a gradient wanted, or in training, nothing changes.
    func testInferenceFusesConvolutionAndBatchNormWithTheSameLogits() throws {
        var model = try Model(architecture: .builtin("resnet-mini", inputShape: [3, 12, 12], classes: 4)!, seed: 5)
        var generator = SeededGenerator(seed: 6)
        for name in model.buffers.keys {
            let count = model.buffers[name]!.count
            model.buffers[name] = Tensor(
                shape: [count],
                scalars: (0..<count).map { _ in
                    name.hasSuffix("running_var") ? 0.5 + generator.nextUniform() : generator.nextUniform() - 0.5
                })
        }
        let images = Tensor(shape: [3, 3, 12, 12], scalars: (0..<(3 * 3 * 144)).map { _ in generator.nextUniform() })
        func run(inputGradient: Bool, isTraining: Bool = false) -> (kinds: [OperationKind], logits: [UInt32]) {
            let tape = Tape()
            var context = model.makeContext(tape: tape, isTraining: isTraining, trainable: false)
            let input = inputGradient ? tape.variable(images) : tape.constant(images)
            let logits = model(input, &context)
            return (tape.nodes.map(\.kind), logits.value.scalars.map(\.bitPattern))
        }
        let fused = run(inputGradient: false)
        let unfused = run(inputGradient: true)
        // Stem, 2 in stage 1, 3 in stages 2 and 3 (body and shortcut); 4 of them with ReLU.
        XCTAssertEqual(fused.kinds.filter { $0 == .conv2dBatchNorm }.count, 9)
        XCTAssertFalse(fused.kinds.contains(.conv2d) || fused.kinds.contains(.batchNorm))
        XCTAssertFalse(fused.kinds.contains(.batchNormReLU) || fused.kinds.contains(.relu))
        // Each block's last convolution takes the residual sum and its ReLU too.
        XCTAssertFalse(fused.kinds.contains(.addReLU))
        XCTAssertEqual(unfused.kinds.filter { $0 == .batchNormAddReLU }.count, 3)
        XCTAssertFalse(unfused.kinds.contains(.conv2dBatchNorm))
        XCTAssertEqual(unfused.kinds.filter { $0 == .batchNormReLU }.count, 4)
        XCTAssertEqual(fused.logits, unfused.logits)
        XCTAssertEqual(Set(fused.logits).count, fused.logits.count, "distinct logits")
        XCTAssertFalse(run(inputGradient: false, isTraining: true).kinds.contains(.conv2dBatchNorm))
        XCTAssertEqual(model.logits(images).scalars.map(\.bitPattern), fused.logits)
    }
}
