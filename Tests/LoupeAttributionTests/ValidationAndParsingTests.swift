import LoupeAttribution
import LoupeNN
import LoupeTensor
import XCTest

final class ValidationAndParsingTests: XCTestCase {
    /// Every method refuses a target out of range and images that do not fit, naming itself.
    func testEveryMethodRejectsBadTargetsAndImages() throws {
        let model = Fixtures.mlp()
        let images = Fixtures.images(2, shape: [1, 6, 6])
        for name in AttributionMethodParser.knownNames + ["smoothgrad(integrated-gradients)"] {
            let method = try AttributionMethodParser.method(
                named: name, settings: AttributionSettings(steps: 2, samples: 2))
            assertAttributionError([method.name, "target class 4", "0..<4"]) {
                _ = try method.attributions(images, targets: [0, 4], model: model, seeds: [1, 2])
            }
            assertAttributionError([method.name, "target class -1"]) {
                _ = try method.attributions(images, targets: [-1, 0], model: model, seeds: [1, 2])
            }
            assertAttributionError([method.name, "[2, 1, 5, 5]"]) {
                _ = try method.attributions(
                    Tensor(zeros: [2, 1, 5, 5]), targets: [0, 0], model: model, seeds: [1, 2])
            }
            assertAttributionError([method.name, "1 targets for 2 images"]) {
                _ = try method.attributions(images, targets: [0], model: model, seeds: [1, 2])
            }
        }
    }

    func testParsesEveryNameAndWrapper() throws {
        for name in AttributionMethodParser.knownNames {
            XCTAssertEqual(try AttributionMethodParser.method(named: name).name, name)
        }
        let wrapped = try AttributionMethodParser.method(
            named: "smoothgrad-squared(integrated-gradients)",
            settings: AttributionSettings(inputRange: InputRange(lower: 0, upper: 2), steps: 7, samples: 9))
        let squared = try XCTUnwrap(wrapped as? SmoothGradSquared)
        XCTAssertEqual(squared.samples, 9)
        XCTAssertEqual(squared.noiseStandardDeviation, 0.3, accuracy: 1e-6)
        XCTAssertEqual((squared.base as? IntegratedGradients)?.steps, 7)
        XCTAssertEqual(wrapped.name, "smoothgrad-squared(integrated-gradients)")
        XCTAssertEqual(try AttributionMethodParser.method(named: "vargrad(smoothgrad)").name, "vargrad(smoothgrad)")
        XCTAssertEqual(try AttributionMethodParser.method(named: "smoothgrad(gradient)").name, "smoothgrad")
        XCTAssertEqual(
            try AttributionMethodParser.methods(named: "gradient, sobel,vargrad(guided-backprop)").map(\.name),
            ["gradient", "sobel", "vargrad(guided-backprop)"])
    }

    func testUnknownNamesListTheKnownOnes() {
        assertAttributionError(["--method", "'lime'", "gradient-x-input", "vargrad"]) {
            _ = try AttributionMethodParser.method(named: "lime")
        }
        assertAttributionError(["--method", "'gradient(sobel)'"]) {
            _ = try AttributionMethodParser.method(named: "gradient(sobel)")
        }
        assertAttributionError(["--method", "unbalanced"]) {
            _ = try AttributionMethodParser.method(named: "smoothgrad(gradient")
        }
        assertAttributionError(["--method", "twice"]) { _ = try AttributionMethodParser.methods(named: "sobel,sobel") }
        // Each wrapper multiplies the work: two nest, three do not, and a long name is cut short.
        XCTAssertNoThrow(try AttributionMethodParser.method(named: "smoothgrad(vargrad(gradient))"))
        let deep = String(repeating: "vargrad(", count: 10_000) + "gradient" + String(repeating: ")", count: 10_000)
        assertAttributionError(["--method", "10000 nested wrappers; at most 2", "...'"]) {
            _ = try AttributionMethodParser.method(named: deep)
        }
        assertAttributionError(["--method", "3 nested wrappers"]) {
            _ = try AttributionMethodParser.method(named: "smoothgrad(smoothgrad(smoothgrad(gradient)))")
        }
        assertAttributionError(["--method", "no method"]) { _ = try AttributionMethodParser.methods(named: ",") }
        assertAttributionError(["--steps"]) {
            _ = try AttributionMethodParser.method(named: "gradient", settings: AttributionSettings(steps: 0))
        }
    }
}
