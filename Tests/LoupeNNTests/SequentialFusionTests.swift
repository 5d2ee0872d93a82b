import LoupeRandom
import XCTest

@testable import LoupeNN
@testable import LoupeTensor

/// `Sequential` runs Linear + ReLU and Conv2d + ReLU + MaxPool2d as fused operations, unless
/// the tape overrides ReLU's backward rule.
final class SequentialFusionTests: XCTestCase {
    func kinds(_ name: String, overridingReLU: Bool) throws -> [OperationKind] {
        let model = try Model(architecture: .builtin(name, inputShape: [1, 28, 28], classes: 10)!, seed: 1)
        let tape = Tape()
        if overridingReLU { tape.backwardOverrides[.relu] = { _, _, g in [g] } }
        var context = model.makeContext(tape: tape, isTraining: false, generator: SeededGenerator(seed: 1))
        _ = model(tape.constant(Tensor(zeros: [2, 1, 28, 28])), &context)
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
}
