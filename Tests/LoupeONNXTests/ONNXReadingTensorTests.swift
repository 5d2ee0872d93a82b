import Foundation
import LoupeSupport
import XCTest

@testable import LoupeONNX

/// Tensor data as the specification lays it out, written here byte by byte.
final class ONNXReadingTensorTests: XCTestCase {
    func decode(_ configure: (inout ProtoONNX_TensorProto) -> Void) throws -> ONNXTensor {
        var proto = ProtoONNX_TensorProto()
        proto.name = "t"
        configure(&proto)
        let context = DecodingContext(source: "m.onnx", budget: .current, externalDataFolder: nil)
        return try ONNXTensor(decoding: proto, what: "initializer 't'", context: context)
    }

    func raw(_ type: ONNXDataType, _ dims: [Int64], _ bytes: [UInt8]) throws -> ONNXTensor {
        try decode {
            $0.dataType = Int32(type.rawValue)
            $0.dims = dims
            $0.rawData = Data(bytes)
        }
    }

    /// Little-endian IEEE 754 encodings: 1.0 as float is 0x3F800000, as float16 0x3C00, as
    /// bfloat16 0x3F80, as double 0x3FF0000000000000; -2.0 sets the sign and adds one to the
    /// exponent.
    func testRawFloatingPointIsLittleEndianIEEE() throws {
        XCTAssertEqual(try raw(.float, [2], [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0]).floats, [1, -2])
        XCTAssertEqual(try raw(.float16, [2], [0x00, 0x3C, 0x00, 0xC0]).floats, [1, -2])
        XCTAssertEqual(try raw(.bfloat16, [2], [0x80, 0x3F, 0x00, 0xC0]).floats, [1, -2])
        XCTAssertEqual(try raw(.double, [1], [0, 0, 0, 0, 0, 0, 0xF0, 0x3F]).floats, [1])
        XCTAssertEqual(try raw(.float16, [1], [0x01, 0x00]).floats, [0x1p-24])  // the smallest subnormal
        XCTAssertEqual(try raw(.double, [1], [0, 0, 0, 0, 0, 0, 0xF0, 0x7F]).floats, [.infinity])
    }

    func testRawIntegersAreLittleEndianTwosComplement() throws {
        XCTAssertEqual(try raw(.int8, [2], [0xFF, 0x7F]).integers, [-1, 127])
        XCTAssertEqual(try raw(.uint8, [2], [0xFF, 0x7F]).integers, [255, 127])
        XCTAssertEqual(try raw(.bool, [3], [0, 1, 2]).integers, [0, 1, 1])
        XCTAssertEqual(try raw(.int32, [1], [0xFE, 0xFF, 0xFF, 0xFF]).integers, [-2])
        XCTAssertEqual(try raw(.int64, [1], [1, 0, 0, 0, 0, 0, 0, 0x80]).integers, [Int64.min + 1])
        XCTAssertEqual(try raw(.int64, [2, 0], []).integers, [])
        XCTAssertEqual(try raw(.int64, [], [7, 0, 0, 0, 0, 0, 0, 0]).shape, [])
    }

    /// Without raw_data, each type reads the field the specification assigns it; 16-bit floats
    /// are bit patterns in int32_data.
    func testTypedFields() throws {
        XCTAssertEqual(
            try decode {
                $0.dataType = 1
                $0.dims = [2]
                $0.floatData = [0.5, -1]
            }.floats, [0.5, -1])
        XCTAssertEqual(
            try decode {
                $0.dataType = 11
                $0.dims = [1]
                $0.doubleData = [0.25]
            }.floats, [0.25])
        XCTAssertEqual(
            try decode {
                $0.dataType = 10
                $0.dims = [2]
                $0.int32Data = [0x3C00, 0xC000]
            }.floats, [1, -2])
        XCTAssertEqual(
            try decode {
                $0.dataType = 16
                $0.dims = [1]
                $0.int32Data = [0x3F80]
            }.floats, [1])
        XCTAssertEqual(
            try decode {
                $0.dataType = 3
                $0.dims = [2]
                $0.int32Data = [-5, 100]
            }.integers, [-5, 100])
        XCTAssertEqual(
            try decode {
                $0.dataType = 7
                $0.dims = [2]
                $0.int64Data = [Int64.max, -1]
            }.integers, [Int64.max, -1])
        let tensor = try decode {
            $0.dataType = 9
            $0.dims = [2]
            $0.int32Data = [1, 0]
        }
        XCTAssertEqual(tensor, ONNXTensor(name: "t", shape: [2], integers: [1, 0], dataType: .bool))
    }

    /// The tensors of one model share the budget: two that fit alone may not fit together.
    func testTensorsShareTheBudget() throws {
        let context = DecodingContext(source: "m.onnx", budget: MemoryBudget(bytes: 100), externalDataFolder: nil)
        var proto = ProtoONNX_TensorProto()
        proto.dataType = 1
        proto.dims = [15]
        proto.floatData = Array(repeating: 1, count: 15)
        XCTAssertNoThrow(try ONNXTensor(decoding: proto, what: "initializer 'a'", context: context))
        XCTAssertThrowsError(try ONNXTensor(decoding: proto, what: "initializer 'b'", context: context)) {
            XCTAssertEqual(
                "\($0)",
                "m.onnx: initializer 'b' of shape [15] (FLOAT) needs 60 bytes, which with the tensors before it is over the memory budget of 100 bytes (set LOUPE_MEMORY_BUDGET to raise it)"
            )
        }
    }
}
