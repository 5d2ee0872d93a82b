import Foundation
import LoupeNN
import LoupeRandom
import LoupeTensor
import XCTest

@testable import LoupeONNX

/// Structural fuzzing of the import: zoo graphs with a node's type, inputs or attributes
/// changed, a node removed or duplicated, or a weight replaced by one of another shape, then
/// written, read back (so the reader's checks apply, as for a real file) and converted. Each
/// case must convert and run, or fail with an `ONNXError`; none may crash or hang.
final class ImportFuzzTests: XCTestCase {
    static let sources = [
        "misc-legacy.onnx", "resnet18-legacy-bn.onnx", "resnet18-dynamo-bn.onnx", "avgtanh-legacy.onnx",
    ]

    func mutate(_ model: ONNXModel, _ random: inout SeededGenerator) -> ONNXModel {
        var model = model
        var graph = model.graph
        guard !graph.nodes.isEmpty else { return model }
        func draw(_ count: Int) -> Int { Int(random.next(upperBound: UInt64(count))) }
        let index = draw(graph.nodes.count)
        let values = graph.nodes.flatMap(\.outputs) + Array(graph.initializers.keys) + graph.inputs.map(\.name)
        func pick<T>(_ items: [T]) -> T { items[draw(items.count)] }
        switch draw(8) {
        case 0: graph.nodes[index].opType = pick(SupportedOperators.all.sorted())
        case 1 where !graph.nodes[index].inputs.isEmpty:
            graph.nodes[index].inputs[draw(graph.nodes[index].inputs.count)] = pick(values)
        case 2: graph.nodes[index].inputs.removeLast(min(1, graph.nodes[index].inputs.count))
        case 3:
            let name = pick(["strides", "pads", "kernel_shape", "axis", "group", "transB", "epsilon", "alpha", "axes"])
            let small = draw(7) - 2
            graph.nodes[index].attributes[name] =
                draw(2) == 0 ? .int(small) : .ints(Array(repeating: small, count: draw(5)))
        case 4: graph.nodes.remove(at: index)
        case 5: graph.nodes.insert(graph.nodes[index], at: index)
        case 6 where !graph.initializers.isEmpty:
            let name = pick(graph.initializers.keys.sorted())
            let shape = (0..<draw(5)).map { _ in draw(6) }
            graph.initializers[name] = ONNXTensor(
                name: name, shape: shape, floats: Array(repeating: 0.5, count: shape.reduce(1, *)))
        default:
            graph.nodes[index].outputs = [pick(values)]
        }
        model.graph = graph
        return model
    }

    func testMutatedGraphsConvertOrFailWithAnError() throws {
        let zoo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/zoo")
        let models = try Self.sources.map { try ONNXModel(contentsOf: zoo.appendingPathComponent($0)) }
        var random = SeededGenerator(seed: 2026)
        var outcomes = (converted: 0, refusedByReader: 0, refusedByImport: 0)
        for _ in 0..<1500 {
            var model = models[Int(random.next(upperBound: UInt64(models.count)))]
            for _ in 0...Int(random.next(upperBound: UInt64(3))) { model = mutate(model, &random) }
            let reread: ONNXModel
            do {
                reread = try ONNXModel(serialized: model.serialized(), source: "fuzz.onnx", externalDataFolder: nil)
            } catch {
                outcomes.refusedByReader += 1
                continue
            }
            do {
                let imported = try ImportedModel(converting: reread, source: "fuzz.onnx", name: "fuzz")
                let logits = imported.model.logits(Tensor(zeros: [2] + imported.model.architecture.inputShape))
                XCTAssertEqual(logits.shape, [2, imported.model.classCount])
                outcomes.converted += 1
            } catch {
                XCTAssertFalse(error.description.contains("\n"), error.description)
                outcomes.refusedByImport += 1
            }
        }
        // The mutations reach every stage.
        XCTAssertGreaterThan(outcomes.converted, 50, "\(outcomes)")
        XCTAssertGreaterThan(outcomes.refusedByReader, 50, "\(outcomes)")
        XCTAssertGreaterThan(outcomes.refusedByImport, 50, "\(outcomes)")
    }
}
