import Foundation
import LoupeSupport
import XCTest

@testable import LoupeONNX

/// Bad input: every problem is one `ONNXError` line naming the file and what is wrong.
final class ONNXReadingErrorTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws { folder = try FormatFixtures.temporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    /// The error reading `bytes` as `bad.onnx`, with `files` beside it.
    func error(reading bytes: [UInt8], files: [String: [UInt8]] = [:]) throws -> ONNXError {
        let url = folder.appendingPathComponent("bad.onnx")
        try Data(bytes).write(to: url)
        for (name, contents) in files { try Data(contents).write(to: folder.appendingPathComponent(name)) }
        do {
            let model = try ONNXModel(contentsOf: url)
            XCTFail("read without error: \(model.graph.nodes.map(\.label))")
            return ONNXError("", "")
        } catch {
            XCTAssertFalse(error.description.contains("\n"))
            return error
        }
    }

    func error(reading proto: ProtoONNX_ModelProto, files: [String: [UInt8]] = [:]) throws -> String {
        try error(reading: try proto.serializedBytes(), files: files).description
    }

    var valid: ProtoONNX_ModelProto { FormatFixtures.matMulAddRelu.proto }

    func testTruncatedFile() throws {
        let bytes = FormatFixtures.matMulAddRelu.serialized()
        XCTAssertEqual(
            try error(reading: Array(bytes.prefix(bytes.count - 20))).description,
            "bad.onnx: not an ONNX model: truncated or corrupt protobuf (truncated)")
    }

    func testRandomBytesAndEmptyFiles() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for length in [1, 7, 100, 1000] {
            let bytes = (0..<length).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 56)
            }
            XCTAssertTrue(try error(reading: bytes).description.hasPrefix("bad.onnx: not an ONNX model: "))
        }
        XCTAssertEqual(try error(reading: []).description, "bad.onnx: not an ONNX model: no graph")
    }

    func testMissingFileAndDirectory() throws {
        XCTAssertThrowsError(try ONNXModel(contentsOf: folder.appendingPathComponent("none.onnx"))) {
            XCTAssertEqual("\($0)", "none.onnx: No such file or directory")
        }
        XCTAssertThrowsError(try ONNXModel(contentsOf: folder)) {
            XCTAssertEqual("\($0)", "\(self.folder.lastPathComponent): not a regular file (a directory)")
        }
    }

    func testUnsupportedOpsets() throws {
        var proto = valid
        proto.opsetImport[0].version = 11
        XCTAssertEqual(
            try error(reading: proto), "bad.onnx: opset 11 is not supported (Loupe reads opsets 13 to 20)")
        proto.opsetImport[0].version = 21
        XCTAssertEqual(
            try error(reading: proto), "bad.onnx: opset 21 is not supported (Loupe reads opsets 13 to 20)")
        proto.opsetImport[0].domain = "com.microsoft"
        XCTAssertEqual(
            try error(reading: proto), "bad.onnx: no opset for the default domain (ai.onnx) in opset_import")
    }

    func testRawDataShorterThanTheShape() throws {
        var proto = valid
        proto.graph.initializer[0].rawData.removeLast(4)
        XCTAssertEqual(
            try error(reading: proto),
            "bad.onnx: initializer 'W': raw_data holds 44 bytes, its shape [4, 3] (FLOAT) needs 48")
    }

    func testTypedDataOfTheWrongCount() throws {
        var proto = valid
        proto.graph.initializer[0].clearRawData()
        proto.graph.initializer[0].floatData = [1, 2, 3]
        XCTAssertEqual(
            try error(reading: proto),
            "bad.onnx: initializer 'W': float_data holds 3 values, its shape [4, 3] (FLOAT) needs 12")
    }

    func testAbsurdAndNegativeDimensions() throws {
        var proto = valid
        proto.graph.initializer[0].dims = [1 << 40, 3]
        XCTAssertEqual(
            try error(reading: proto),
            "bad.onnx: initializer 'W': dimension 1099511627776 of shape [1099511627776, 3] is not between 0 and 2^31 - 1"
        )
        proto.graph.initializer[0].dims = [4, -3]
        XCTAssertEqual(
            try error(reading: proto),
            "bad.onnx: initializer 'W': dimension -3 of shape [4, -3] is not between 0 and 2^31 - 1")
        proto.graph.initializer[0].dims = Array(repeating: 1, count: 9)
        XCTAssertEqual(
            try error(reading: proto), "bad.onnx: initializer 'W': 9 dimensions, more than the 8 Loupe reads")
        proto = valid
        proto.graph.input[0].type.tensorType.shape.dim[1].dimValue = -1
        XCTAssertEqual(
            try error(reading: proto), "bad.onnx: graph input 'x': dimension -1 is not between 0 and 2^31 - 1")
    }

    /// A shape that claims more than the budget is refused before its data is looked at.
    func testShapeOverTheMemoryBudget() throws {
        var proto = valid
        proto.graph.initializer[0].dims = [1 << 30, 1 << 4]
        XCTAssertThrowsError(
            try ONNXModel(
                serialized: try proto.serializedBytes(), source: "big.onnx", externalDataFolder: nil,
                budget: MemoryBudget(bytes: 4 << 30))
        ) {
            let error = $0 as! ONNXError
            XCTAssertTrue(error.isSizeLimit)
            XCTAssertEqual(
                error.description,
                "big.onnx: initializer 'W' of shape [1073741824, 16] (FLOAT) needs 64.0 GiB, which with the tensors before it is over the memory budget of 4.0 GiB (set LOUPE_MEMORY_BUDGET to raise it)"
            )
        }
    }

    func testUnsupportedElementTypeAndAttributeKind() throws {
        var proto = valid
        proto.graph.initializer[0].dataType = 8
        XCTAssertEqual(try error(reading: proto), "bad.onnx: initializer 'W': element type 8 (STRING) is not supported")
        proto = valid
        var attribute = ProtoONNX_AttributeProto()
        attribute.name = "then_branch"
        attribute.type = .graph
        proto.graph.node[3].attribute = [attribute]
        XCTAssertEqual(
            try error(reading: proto),
            "bad.onnx: attribute 'then_branch' of Relu node 'relu' is a subgraph, which Loupe does not read")
    }

    func testDanglingInputCycleAndValuesProducedTwice() throws {
        var proto = valid
        proto.graph.node[2].input[0] = "nowhere"
        XCTAssertEqual(
            try error(reading: proto),
            "bad.onnx: Add node 'add' reads 'nowhere', which is no graph input, initializer or node output")
        proto = valid
        // add reads relu's output, relu reads add's: a cycle of two.
        proto.graph.node[2].input[1] = "y"
        proto.graph.output[0].name = "z"
        XCTAssertEqual(try error(reading: proto), "bad.onnx: the graph has a cycle through Add node 'add'")
        proto = valid
        proto.graph.node[2].output = ["xW"]
        XCTAssertEqual(
            try error(reading: proto),
            "bad.onnx: value 'xW' is produced twice, by MatMul node 'matmul' and Add node 'add'")
        proto = valid
        proto.graph.node[1].output = ["W"]
        XCTAssertEqual(
            try error(reading: proto),
            "bad.onnx: MatMul node 'matmul' produces 'W', which is a graph input or an initializer")
        proto = valid
        proto.graph.output[0].name = "q"
        XCTAssertEqual(try error(reading: proto), "bad.onnx: graph output 'q' is produced by no node")
    }

    // MARK: External data

    /// The valid model with W's 48 bytes in `weights.bin` at `entries`.
    func externalModel(_ entries: [String: String]) -> ProtoONNX_ModelProto {
        var proto = valid
        proto.graph.initializer[0].clearRawData()
        proto.graph.initializer[0].dataLocation = .external
        proto.graph.initializer[0].externalData = entries.sorted { $0.key < $1.key }.map {
            var entry = ProtoONNX_StringStringEntryProto()
            entry.key = $0.key
            entry.value = $0.value
            return entry
        }
        return proto
    }

    var weightBytes: [UInt8] { Array(FormatFixtures.matMulAddRelu.graph.initializers["W"]!.proto.rawData) }

    func testExternalDataAtAnOffsetReads() throws {
        let url = folder.appendingPathComponent("good.onnx")
        let bytes: [UInt8] = try externalModel(["location": "sub/w.bin", "offset": "5", "length": "48"])
            .serializedBytes()
        try Data(bytes).write(to: url)
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data([1, 2, 3, 4, 5] + weightBytes + [9]).write(to: folder.appendingPathComponent("sub/w.bin"))
        var expected = FormatFixtures.matMulAddRelu
        expected.externalDataFiles = ["sub/w.bin"]
        XCTAssertEqual(try ONNXModel(contentsOf: url), expected)
    }

    func testExternalDataMissingShortOrOutside() throws {
        let what = "bad.onnx: initializer 'W' of shape [4, 3] (FLOAT): external data file"
        XCTAssertEqual(
            try error(reading: externalModel(["location": "w.bin"])),
            "\(what) 'w.bin': No such file or directory")
        XCTAssertEqual(
            try error(reading: externalModel(["location": "w.bin"]), files: ["w.bin": Array(weightBytes.prefix(40))]),
            "\(what) 'w.bin' gives 40 bytes (offset 0), the tensor needs 48")
        XCTAssertEqual(
            try error(
                reading: externalModel(["location": "w.bin", "offset": "8", "length": "48"]),
                files: ["w.bin": weightBytes]),
            "\(what) 'w.bin' holds 48 bytes, offset 8 + length 48 goes past its end")
        XCTAssertEqual(
            try error(
                reading: externalModel(["location": "w.bin", "offset": "9223372036854775807", "length": "48"]),
                files: ["w.bin": weightBytes]),
            "\(what) 'w.bin' holds 48 bytes, the data's offset 9223372036854775807 is past its end")
        XCTAssertEqual(
            try error(reading: externalModel(["location": "w.bin", "length": "-1"]), files: ["w.bin": weightBytes]),
            "\(what) 'w.bin': length '-1' is not a byte count")
        XCTAssertEqual(
            try error(reading: externalModel(["location": "../x"])),
            "\(what) '../x': the path leaves the model's folder or is not a plain relative path")
        XCTAssertEqual(
            try error(reading: externalModel(["location": "/etc/passwd"])),
            "\(what) '/etc/passwd': an absolute path, not one relative to the model's folder")
        XCTAssertEqual(
            try error(reading: externalModel([:])),
            "bad.onnx: initializer 'W' of shape [4, 3] (FLOAT): external data without a location")
        try FileManager.default.createSymbolicLink(
            atPath: folder.appendingPathComponent("link").path, withDestinationPath: "/etc")
        XCTAssertEqual(
            try error(reading: externalModel(["location": "link/passwd"])),
            "\(what) 'link/passwd': the path leads out of the model's folder (through a symbolic link)")
    }

    // MARK: Order and inputs

    /// Nodes out of order are sorted; initializers listed as graph inputs are not inputs.
    func testNodesAreSortedAndInitializerInputsDropped() throws {
        var proto = valid
        proto.graph.node.reverse()
        var listed = ProtoONNX_ValueInfoProto()
        listed.name = "W"
        proto.graph.input.append(listed)
        let model = try ONNXModel(serialized: try proto.serializedBytes(), source: "m.onnx", externalDataFolder: nil)
        XCTAssertEqual(model.graph.inputs.map(\.name), ["x"])
        let order = model.graph.nodes.map(\.name)
        XCTAssertLessThan(order.firstIndex(of: "matmul")!, order.firstIndex(of: "add")!)
        XCTAssertLessThan(order.firstIndex(of: "bias")!, order.firstIndex(of: "add")!)
        XCTAssertEqual(order.last, "relu")
        XCTAssertEqual(Set(order), ["bias", "matmul", "add", "relu"])
    }
}
