import XCTest

@testable import LoupeONNX

final class ONNXTensorTests: XCTestCase {
    func testCountIsTheProductOfTheShapeAndOneForAScalar() {
        XCTAssertEqual(ONNXTensor(name: "w", shape: [2, 3, 4], floats: []).count, 24)
        XCTAssertEqual(ONNXTensor(name: "s", shape: [], integers: [7]).count, 1)
        XCTAssertEqual(ONNXTensor(name: "e", shape: [3, 0], floats: []).count, 0)
    }

    func testDataTypeNumbersAreTheSpecification() {
        // TensorProto.DataType in onnx.proto: FLOAT=1, UINT8=2, INT8=3, INT32=6, INT64=7, BOOL=9,
        // FLOAT16=10, DOUBLE=11, BFLOAT16=16.
        XCTAssertEqual(
            ONNXDataType.allCases.map(\.rawValue), [1, 2, 3, 6, 7, 9, 10, 11, 16])
        XCTAssertEqual(ONNXDataType.allCases.filter(\.isFloatingPoint), [.float, .float16, .double, .bfloat16])
    }
}
