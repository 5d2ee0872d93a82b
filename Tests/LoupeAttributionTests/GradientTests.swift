import LoupeAttribution
import LoupeNN
import LoupeTensor
import XCTest

final class GradientTests: XCTestCase {
    /// The saliency map equals central finite differences of the target logit, on an mlp and
    /// a cnn, for every element of the mlp's inputs and a sample of the cnn's.
    func testEqualsCentralFiniteDifferencesOfTheLogit() throws {
        for (model, elements) in [(Fixtures.mlp(), Array(0..<36)), (Fixtures.cnn(), [0, 7, 9, 27, 36, 45, 63])] {
            let shape = model.architecture.inputShape
            let images = Fixtures.images(2, shape: shape)
            let targets = [1, 3]
            let maps = try Gradient().attributions(images, targets: targets, model: model, seeds: [])
            let size = shape.reduce(1, *)
            for image in 0..<2 {
                for element in elements {
                    let index = image * size + element
                    var plus = images
                    var minus = images
                    plus.scalars[index] += 1e-2
                    minus.scalars[index] -= 1e-2
                    let logit = { (x: Tensor) in Double(model.logits(x).scalars[image * 4 + targets[image]]) }
                    let numeric = (logit(plus) - logit(minus)) / 2e-2
                    XCTAssertEqual(Double(maps.scalars[index]), numeric, accuracy: 2e-3, "\(model.architecture.name)")
                }
            }
        }
    }

    func testGradientTimesInputIsGradientTimesInput() throws {
        let model = Fixtures.cnn()
        let images = Fixtures.images(3, shape: [1, 8, 8])
        let gradient = try Gradient().attributions(images, targets: [0, 1, 2], model: model, seeds: [])
        let product = try GradientTimesInput().attributions(images, targets: [0, 1, 2], model: model, seeds: [])
        XCTAssertEqual(product.scalars, zip(gradient.scalars, images.scalars).map { $0 * $1 })
        XCTAssertGreaterThan(maxAbsoluteDifference(product, gradient), 1e-3)
    }

    /// Guided backprop is the gradient where no ReLU sees a negative input and every gradient
    /// flowing back is nonnegative, and differs from it on a generic network.
    func testGuidedBackpropEqualsGradientWithoutNegativeReLUInputs() throws {
        for model in [Fixtures.mlp(), Fixtures.cnn()] {
            let images = Fixtures.images(3, shape: model.architecture.inputShape)
            let positive = Fixtures.nonnegative(model)
            let guided = try GuidedBackprop().attributions(images, targets: [0, 1, 3], model: positive, seeds: [])
            let plain = try Gradient().attributions(images, targets: [0, 1, 3], model: positive, seeds: [])
            XCTAssertGreaterThan(maxAbsolute(plain), 0)
            XCTAssertLessThanOrEqual(maxAbsoluteDifference(guided, plain), 1e-6 * maxAbsolute(plain))

            let generic = try GuidedBackprop().attributions(images, targets: [0, 1, 3], model: model, seeds: [])
            let genericPlain = try Gradient().attributions(images, targets: [0, 1, 3], model: model, seeds: [])
            XCTAssertGreaterThan(maxAbsoluteDifference(generic, genericPlain), 0.1 * maxAbsolute(genericPlain))
        }
    }

    /// The controls: Sobel against hand-computed magnitudes (replicated borders), random maps
    /// determined by their seeds alone.
    func testSobelMatchesHandComputedExamples() throws {
        // 3x3 with a vertical step: left column 0, the rest 1.
        let step = Tensor(shape: [1, 1, 3, 3], scalars: [0, 1, 1, 0, 1, 1, 0, 1, 1])
        // Column 0: gx = (1 + 2 + 1) - (0 + 0 + 0) = 4 (left neighbour replicates column 0);
        // column 1: gx = 4 - 0 = 4; column 2: gx = 4 - 4 = 0. No vertical change: gy = 0.
        XCTAssertEqual(SobelEdges.edgeMagnitudes(step).scalars, [4, 4, 0, 4, 4, 0, 4, 4, 0])

        // 5x5 with a single bright pixel in the middle, value 1.
        var dot = [Float](repeating: 0, count: 25)
        dot[12] = 1
        let magnitudes = SobelEdges.edgeMagnitudes(Tensor(shape: [1, 1, 5, 5], scalars: dot)).scalars
        // Around the dot, (gx, gy) is the kernel entry pointing away from it: the 3x3 ring
        // has |(1, 1)| at the corners, |(2, 0)| and |(0, 2)| at the sides; 0 at the centre and
        // everywhere further out.
        let diagonal = Float(2).squareRoot()
        let expected: [Float] = [
            0, 0, 0, 0, 0,
            0, diagonal, 2, diagonal, 0,
            0, 2, 0, 2, 0,
            0, diagonal, 2, diagonal, 0,
            0, 0, 0, 0, 0,
        ]
        for (a, e) in zip(magnitudes, expected) { XCTAssertEqual(a, e, accuracy: 1e-6) }

        // Channels are independent and the model is not used.
        let twoChannels = Tensor(shape: [1, 2, 3, 3], scalars: step.scalars + [Float](repeating: 5, count: 9))
        let model = try Model(architecture: .builtin("mlp", inputShape: [2, 3, 3], classes: 2)!, seed: 1)
        let map = try SobelEdges().attributions(twoChannels, targets: [1], model: model, seeds: [])
        XCTAssertEqual(map.scalars, [4, 4, 0, 4, 4, 0, 4, 4, 0] + [Float](repeating: 0, count: 9))
    }

    func testRandomMapsDependOnlyOnTheirSeeds() throws {
        let model = Fixtures.mlp()
        let images = Fixtures.images(3, shape: [1, 6, 6])
        let all = try RandomAttribution().attributions(images, targets: [0, 0, 0], model: model, seeds: [7, 8, 9])
        let last = try RandomAttribution().attributions(images.slice(2..<3), targets: [1], model: model, seeds: [9])
        XCTAssertEqual(Array(all.scalars[72..<108]), last.scalars)
        let other = try RandomAttribution().attributions(images.slice(2..<3), targets: [1], model: model, seeds: [10])
        XCTAssertNotEqual(other.scalars, last.scalars)
        let mean = all.scalars.reduce(0, +) / Float(all.count)
        XCTAssertEqual(mean, 0, accuracy: 0.3)
    }
}
