import Foundation
import LoupeNN
import XCTest

/// The layer options ONNX import needs: leaky ReLU and a batch norm epsilon.
final class LayerDescriptionImportTests: XCTestCase {
    func testLeakyReLUAndBatchNormEpsilonRoundTripThroughJSONAndDefaultsStayUnwritten() throws {
        let layers: [LayerDescription] = [
            .flatten, .linear(name: "fc", outputFeatures: 4, bias: true), .batchNorm(name: "bn", epsilon: 1e-3),
            .leakyReLU(slope: 0.2), .batchNorm(name: "bn2"),
        ]
        let architecture = Architecture(name: "a", inputShape: [3], layers: layers)
        let json = String(decoding: try JSONEncoder().encode(architecture), as: UTF8.self)
        XCTAssertEqual(try JSONDecoder().decode(Architecture.self, from: Data(json.utf8)), architecture)
        XCTAssertTrue(json.contains(#""epsilon":0.001"#), json)
        // The default epsilon is not written, so existing architectures encode as before.
        XCTAssertTrue(
            json.contains(#"{"name":"bn2","type":"batchnorm"}"#)
                || json.contains(#"{"type":"batchnorm","name":"bn2"}"#), json)
        let network = try architecture.build()
        XCTAssertEqual((network.layers[2] as? BatchNorm)?.epsilon, 1e-3)
        XCTAssertEqual((network.layers[3] as? LeakyReLU)?.slope, 0.2)
        let bad = #"{"name":"a","inputShape":[3],"layers":[{"type":"batchnorm","epsilon":0}]}"#
        XCTAssertThrowsError(try JSONDecoder().decode(Architecture.self, from: Data(bad.utf8)))
    }
}
