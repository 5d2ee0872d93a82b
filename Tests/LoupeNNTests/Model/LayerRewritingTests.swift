import Foundation
import LoupeNN
import LoupeRandom
import LoupeTensor
import XCTest

/// A layer defined outside LoupeNN: a linear layer whose output is doubled.
struct DoubledLinear: Layer {
    var base: Linear

    var parameterSpecs: [ParameterSpec] { base.parameterSpecs }
    func outputShape(for input: [Int]) throws(ModelError) -> [Int] { try base.outputShape(for: input) }
    var description: LayerDescription { base.description }

    func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable {
        let output = base(input, &context)
        return output + output
    }
}

/// A layer that changes what it replaces: no parameters, or another output shape.
struct Truncated: Layer {
    var outputs: Int
    func outputShape(for input: [Int]) throws(ModelError) -> [Int] { [outputs] }
    func callAsFunction(_ input: Variable, _ context: inout ForwardContext) -> Variable { input }
    var description: LayerDescription { .flatten }
}

final class LayerRewritingTests: XCTestCase {
    let architecture = Architecture.builtin("mlp", inputShape: [1, 4, 4], classes: 3, hiddenWidths: [5])!

    func images() -> Tensor {
        var rng = SeededGenerator(seed: 3)
        return Tensor(shape: [4, 1, 4, 4], scalars: (0..<64).map { _ in rng.nextUniform() })
    }

    /// Only the last layer is replaced: the logits double, the first layer and the original
    /// model are untouched.
    func testReplacesMatchingLayersOnly() throws {
        let model = try Model(architecture: architecture, seed: 1)
        let rewritten = try model.rewritingLayers(
            where: { ($0 as? Linear)?.name == "fc2" },
            with: {
                DoubledLinear(base: $0 as! Linear)
            })
        XCTAssertEqual(rewritten.network.layers.filter { $0 is DoubledLinear }.count, 1)
        XCTAssertEqual(rewritten.network.layers.filter { $0 is Linear }.map { ($0 as! Linear).name }, ["fc1"])
        XCTAssertEqual(model.network.layers.filter { $0 is Linear }.count, 2)
        let images = images()
        XCTAssertEqual(rewritten.logits(images).scalars, model.logits(images).scalars.map { 2 * $0 })
        XCTAssertEqual(rewritten.parameterNames, model.parameterNames)
        XCTAssertEqual(rewritten.network.description, model.network.description)
    }

    /// Layers inside residual blocks are reached; the blocks that hold them are rebuilt.
    func testReachesNestedLayers() throws {
        let model = try Model(
            architecture: .builtin("resnet-mini", inputShape: [1, 8, 8], classes: 3)!, seed: 2)
        var visited: [String] = []
        let rewritten = try model.rewritingLayers(
            where: { $0 is BatchNorm },
            with: {
                visited.append(($0 as! BatchNorm).name)
                return $0
            })
        let norms = model.parameterNames.filter { $0.hasPrefix("bn") && $0.hasSuffix(".weight") }
        XCTAssertEqual(visited.count, norms.count)
        XCTAssertGreaterThan(visited.count, 1)
        let images = Tensor(repeating: 0.5, shape: [2, 1, 8, 8])
        XCTAssertEqual(rewritten.logits(images).scalars, model.logits(images).scalars)
    }

    /// A replacement that loses parameters or changes the output shape is refused.
    func testRefusesReplacementsThatChangeTheModel() throws {
        let model = try Model(architecture: architecture, seed: 1)
        XCTAssertThrowsError(try model.rewritingLayers(where: { $0 is Linear }, with: { _ in Truncated(outputs: 3) })) {
            XCTAssertTrue("\($0)".contains("changed its parameters"), "\($0)")
        }
        XCTAssertThrowsError(
            try model.rewritingLayers(where: { $0 is Activation }, with: { _ in Truncated(outputs: 7) })
        ) { XCTAssertTrue("\($0)".contains("expects 5 input features"), "\($0)") }
    }

    /// A rewritten model is stored as the original: the same checkpoint bytes.
    func testCheckpointStoresTheOriginal() throws {
        let model = try Model(architecture: architecture, seed: 1)
        let rewritten = try model.rewritingLayers(where: { $0 is Linear }, with: { DoubledLinear(base: $0 as! Linear) })
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rewrite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (plain, other) = (directory.appendingPathComponent("a"), directory.appendingPathComponent("b"))
        try ModelCheckpoint(model: model).write(to: plain)
        try ModelCheckpoint(model: rewritten).write(to: other)
        XCTAssertEqual(try Data(contentsOf: plain), try Data(contentsOf: other))
    }
}
