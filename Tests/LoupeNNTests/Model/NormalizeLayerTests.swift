import Foundation
import LoupeNN
import LoupeTensor
import XCTest

/// The `normalize` layer: a model that starts with it computes the plain model on normalised
/// images, keeps its parameters, stores the statistics in its architecture (JSON and
/// checkpoints) and gives input gradients in pixel space.
final class NormalizeLayerTests: XCTestCase {
    let (mean, std): ([Float], [Float]) = ([0.13], [0.31])

    func models() throws -> (plain: Model, normalized: Model) {
        let plain = Architecture.builtin("cnn", inputShape: [1, 8, 8], classes: 3, hiddenWidths: [4])!
        var normalized = plain
        normalized.layers.insert(.normalize(mean: mean, std: std), at: 0)
        return (try Model(architecture: plain, seed: 5), try Model(architecture: normalized, seed: 5))
    }

    func images() -> Tensor {
        Tensor(shape: [4, 1, 8, 8], scalars: (0..<256).map { Float(($0 * 29) % 256) / 255 })
    }

    func testComputesThePlainModelOnNormalisedImagesWithTheSameParameters() throws {
        let (plain, normalized) = try models()
        XCTAssertEqual(plain.parameters, normalized.parameters, "the layer has no parameters")
        let x = images()
        let scaled = x.map { ($0 - self.mean[0]) / self.std[0] }
        XCTAssertEqual(normalized.logits(x).scalars, plain.logits(scaled).scalars)
        // Input gradients are in pixel space: the plain model's at the normalised image, / std.
        let classes = [0, 1, 2, 0]
        let pixel = normalized.inputGradients(x, classes: classes).gradients
        let inside = plain.inputGradients(scaled, classes: classes).gradients
        for (a, b) in zip(pixel.scalars, inside.scalars) {
            XCTAssertEqual(a, b / std[0], accuracy: 1e-6 * max(1, abs(a)))
        }
        XCTAssertEqual(normalized.flopsPerLayer.first?.layer, "normalize")
        XCTAssertEqual(normalized.flopsPerLayer.first?.forward, 2 * 64)
    }

    func testJSONAndCheckpointRoundTripsKeepTheStatistics() throws {
        let (_, normalized) = try models()
        let json = try JSONEncoder().encode(normalized.architecture)
        XCTAssertTrue(String(decoding: json, as: UTF8.self).contains(#""type":"normalize""#))
        XCTAssertEqual(try JSONDecoder().decode(Architecture.self, from: json), normalized.architecture)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("normalize-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try ModelCheckpoint(model: normalized, dataset: "fixture").write(to: url)
        let loaded = try ModelCheckpoint(contentsOf: url).model
        XCTAssertEqual(loaded.architecture, normalized.architecture)
        XCTAssertEqual(loaded.logits(images()).scalars, normalized.logits(images()).scalars)
    }

    func testBadStatisticsAreRefusedWhenDecoded() {
        for layer in [
            #"{"type": "normalize", "mean": [0.5], "std": [0]}"#,
            #"{"type": "normalize", "mean": [0.5, 0.5], "std": [1]}"#,
            #"{"type": "normalize", "mean": [], "std": []}"#,
            #"{"type": "normalize", "mean": [0.5], "std": [-1]}"#,
            #"{"type": "normalize", "mean": [0.5], "std": [1e-45]}"#,  // subnormal: 1 / std is infinite
        ] {
            XCTAssertThrowsError(try JSONDecoder().decode(LayerDescription.self, from: Data(layer.utf8)), layer)
        }
        XCTAssertNoThrow(
            try JSONDecoder().decode(
                LayerDescription.self, from: Data(#"{"type": "normalize", "mean": [0.5], "std": [1.2e-38]}"#.utf8)))
        // A normalisation whose channel count differs from the input's does not build.
        let architecture = Architecture(
            name: "bad", inputShape: [3, 4, 4], layers: [.normalize(mean: [0], std: [1]), .flatten])
        XCTAssertThrowsError(try architecture.build())
    }
}
