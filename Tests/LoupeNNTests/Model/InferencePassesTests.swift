import LoupeRandom
import XCTest

@testable import LoupeNN
@testable import LoupeTensor

/// `Model.logits` runs a batch in passes of `imagesPerInferencePass` images; an example's
/// logits do not depend on the pass it is in.
final class InferencePassesTests: XCTestCase {
    func model(_ name: String, shape: [Int]) throws -> Model {
        var model = try Model(architecture: .builtin(name, inputShape: shape, classes: 7)!, seed: 5)
        // Running statistics away from 0 and 1, so the inference batch norm maps something.
        for key in model.buffers.keys.sorted() {
            let count = model.buffers[key]!.count
            model.buffers[key] = Tensor(
                shape: [count],
                scalars: (0..<count).map {
                    key.hasSuffix("running_var") ? 0.5 + Float($0 % 5) * 0.3 : Float($0 % 7) * 0.05 - 0.15
                })
        }
        return model
    }

    func testLogitsDoNotDependOnThePasses() throws {
        for (name, shape) in [("mlp", [1, 28, 28]), ("cnn", [3, 16, 16]), ("resnet-mini", [3, 12, 12])] {
            let model = try model(name, shape: shape)
            let size = shape.reduce(1, *)
            var generator = SeededGenerator(seed: 9)
            let images = Tensor(shape: [37] + shape, scalars: (0..<(37 * size)).map { _ in generator.nextUniform() })
            let whole = model.logits(images, imagesPerPass: 37).scalars.map(\.bitPattern)
            XCTAssertEqual(whole.count, 37 * 7)
            for perPass in [1, 5, 16] {
                XCTAssertEqual(
                    model.logits(images, imagesPerPass: perPass).scalars.map(\.bitPattern), whole,
                    "\(name), passes of \(perPass)")
            }
            XCTAssertEqual(model.logits(images).scalars.map(\.bitPattern), whole, "\(name), default passes")
            XCTAssertEqual(model.logits(images, threads: 2).scalars.map(\.bitPattern), whole, "\(name), 2 threads")
        }
    }

    /// Passes keep the largest activation near 1 MB, and take at least 16 images.
    func testImagesPerPassFollowTheLargestActivation() throws {
        // resnet-mini's first stage: 16 x 32 x 32 floats, 64 KB an image.
        XCTAssertEqual(try model("resnet-mini", shape: [3, 32, 32]).imagesPerInferencePass, 16)
        // The mlp's largest activation is its 784-float input: 334 images in 1 MB.
        XCTAssertEqual(try model("mlp", shape: [1, 28, 28]).imagesPerInferencePass, (1 << 20) / (784 * 4))
        // cnn's first convolution, 32 x 28 x 28 floats (98 KB), would allow 10: the floor is 16.
        XCTAssertEqual(try model("cnn", shape: [1, 28, 28]).imagesPerInferencePass, 16)
        XCTAssertEqual(try model("resnet-mini", shape: [3, 8, 8]).imagesPerInferencePass, (1 << 20) / (16 * 64 * 4))
    }

    /// A small network of fully connected layers runs a batch on several threads by splitting
    /// each large product by rows, not by sharding the batch: the same bits as one thread.
    func testASmallFullyConnectedNetworkSplitsItsProductsWithTheSameBits() throws {
        let small = try Model(
            architecture: .builtin("mlp", inputShape: [1, 28, 28], classes: 7, hiddenWidths: [32, 16])!, seed: 3)
        XCTAssertTrue(small.architecture.isFullyConnected)
        XCTAssertFalse(try model("cnn", shape: [1, 28, 28]).architecture.isFullyConnected)
        XCTAssertFalse(try model("resnet-mini", shape: [3, 8, 8]).architecture.isFullyConnected)
        // 25,760 multiply-adds an image: 150 images on 2 or 3 threads are under 2^22 a thread.
        XCTAssertTrue(small.splitsProducts(images: 150, threads: 2))
        XCTAssertFalse(small.splitsProducts(images: 150, threads: 1))
        XCTAssertFalse(small.splitsProducts(images: 400, threads: 2))
        XCTAssertFalse(try model("mlp", shape: [1, 28, 28]).splitsProducts(images: 150, threads: 2))
        XCTAssertFalse(try model("cnn", shape: [1, 28, 28]).splitsProducts(images: 2, threads: 2))
        var generator = SeededGenerator(seed: 4)
        // The first product, 150 x 784 x 32, splits into 2 or 3 row ranges.
        let images = Tensor(shape: [150, 1, 28, 28], scalars: (0..<(150 * 784)).map { _ in generator.nextUniform() })
        let one = small.logits(images, threads: 1).scalars.map(\.bitPattern)
        for threads in [2, 3] {
            XCTAssertEqual(small.logits(images, threads: threads).scalars.map(\.bitPattern), one, "\(threads) threads")
        }
    }
}
