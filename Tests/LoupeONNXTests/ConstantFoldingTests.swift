import XCTest

@testable import LoupeONNX

/// Constant sub-graphs whose values would overflow or grow without bound: one line naming
/// the node, never a trap or an allocation past the element limit.
final class ConstantFoldingTests: XCTestCase {
    /// Folds the value `output` of `nodes` over `initializers`; the error's text when it fails.
    func fold(_ nodes: [ONNXNode], _ initializers: [ONNXTensor], output: String = "y") -> Result<ONNXTensor?, ONNXError>
    {
        let graph = ONNXGraph(
            name: "g", nodes: nodes, initializers: Dictionary(uniqueKeysWithValues: initializers.map { ($0.name, $0) }),
            inputs: [], outputs: [])
        let producer = Dictionary(
            uniqueKeysWithValues: nodes.enumerated().flatMap { index, node in
                node.outputs.map { ($0, index) }
            })
        var folding = ConstantFolding(graph: graph, producer: producer, source: "m.onnx")
        return Result { () throws(ONNXError) in try folding.constant(output) }
    }

    func message(_ result: Result<ONNXTensor?, ONNXError>) -> String {
        if case .failure(let error) = result { return error.description }
        return "folded"
    }

    func testDequantizeLinearGivesTheWeightsAndRefusesOverflowingOrInfiniteOnes() throws {
        let node = ONNXNode(name: "dq", opType: "DequantizeLinear", inputs: ["q", "s", "z"], outputs: ["y"])
        let scale = ONNXTensor(name: "s", shape: [], floats: [0.5])
        let codes = ONNXTensor(name: "q", shape: [3], integers: [-128, 0, 127], dataType: .int8)
        let zero = ONNXTensor(name: "z", shape: [], integers: [1], dataType: .int8)
        XCTAssertEqual(try fold([node], [codes, scale, zero]).get()?.floats, [-64.5, -0.5, 63])

        let hugeZero = ONNXTensor(name: "z", shape: [], integers: [Int64.max])
        XCTAssertEqual(
            message(fold([node], [codes, scale, hugeZero])),
            "m.onnx: DequantizeLinear node 'dq': code -128 with zero point 9223372036854775807 and scale 0.5 is not a finite weight"
        )
        let lowest = ONNXTensor(name: "q", shape: [1], integers: [Int64.min])
        XCTAssertTrue(
            message(fold([node], [lowest, scale, zero])).contains("code -9223372036854775808 with zero point 1"))
        let bigScale = ONNXTensor(name: "s", shape: [], floats: [3e38])
        XCTAssertTrue(message(fold([node], [codes, bigScale, zero])).contains("is not a finite weight"))
        let nanScale = ONNXTensor(name: "s", shape: [], floats: [.nan])
        XCTAssertEqual(
            message(fold([node], [codes, nanScale, zero])),
            "m.onnx: DequantizeLinear node 'dq': has a scale that is not finite")
    }

    func testAReshapeWhoseKnownSizesOverflowIsRefused() {
        let data = ONNXTensor(name: "d", shape: [1, 784], floats: Array(repeating: 1, count: 784))
        let big = Int64(Int32.max)
        let target = ONNXTensor(name: "t", shape: [4], integers: [big, big, big, -1])
        let node = ONNXNode(name: "r", opType: "Reshape", inputs: ["d", "t"], outputs: ["y"])
        XCTAssertEqual(
            message(fold([node], [data, target])),
            "m.onnx: Reshape node 'r': cannot reshape [1, 784] to [2147483647, 2147483647, 2147483647, -1]")
        let fine = ONNXTensor(name: "t", shape: [2], integers: [-1, 28])
        XCTAssertEqual(try fold([node], [data, fine]).get()?.shape, [28, 28])
    }

    /// Expand is capped; so is a Concat of capped parts, and a long target is listed briefly.
    func testAConcatPastTheElementLimitIsRefused() {
        let half = ConstantFolding.elementLimit / 2 + 1
        let part = ONNXTensor(name: "p", shape: [half], integers: Array(repeating: 0, count: half))
        let join = ONNXNode(
            name: "c", opType: "Concat", inputs: ["p", "p"], outputs: ["y"], attributes: ["axis": .int(0)])
        XCTAssertEqual(
            message(fold([join], [part])),
            "m.onnx: Concat node 'c': joins more than \(ConstantFolding.elementLimit) elements")
        let small = ONNXTensor(name: "p", shape: [3], integers: [1, 2, 3])
        XCTAssertEqual(try fold([join], [small]).get()?.integers, [1, 2, 3, 1, 2, 3])
        XCTAssertEqual(ConstantFolding.listed(Array(0..<20)), "[0, 1, 2, 3, 4, 5, 6, 7, ...] (20 values)")
        let expand = ONNXNode(name: "e", opType: "Expand", inputs: ["p", "t"], outputs: ["y"])
        let minusOne = ONNXTensor(name: "t", shape: [1], integers: [-1])
        XCTAssertEqual(
            message(fold([expand], [small, minusOne])),
            "m.onnx: Expand node 'e': cannot expand [3] to [-1]: sizes must not be negative")
        XCTAssertEqual(ConstantFolding.listed([3, -1]), "[3, -1]")
    }
}
