import LoupeRandom
import LoupeTensor
import XCTest

@testable import LoupeData

final class AugmentationTests: XCTestCase {
    /// A batch of 16 distinct 2x3x5 images.
    let batch = Tensor(shape: [16, 2, 3, 5], scalars: (0..<480).map { Float($0) + 1 })

    func mirrored(_ image: ArraySlice<Float>, width: Int) -> [Float] {
        stride(from: image.startIndex, to: image.endIndex, by: width).flatMap {
            image[$0..<$0 + width].reversed()
        }
    }

    func testFlipMirrorsSomeImagesAndKeepsThePixels() {
        var generator = SeededGenerator(seed: 1)
        let flipped = Augmentation(horizontalFlip: true).apply(to: batch, generator: &generator)
        var mirroredCount = 0
        for image in 0..<16 {
            let range = image * 30..<(image + 1) * 30
            let original = batch.scalars[range]
            let result = Array(flipped.scalars[range])
            if result == mirrored(original, width: 5) {
                mirroredCount += 1
            } else {
                XCTAssertEqual(result, Array(original))
            }
            XCTAssertEqual(result.sorted(), original.sorted())
        }
        XCTAssertTrue((1..<16).contains(mirroredCount), "\(mirroredCount) of 16 images flipped")
    }

    func testFlippingTwiceWithTheSameDrawsIsIdentity() {
        let augmentation = Augmentation(horizontalFlip: true)
        var first = SeededGenerator(seed: 3)
        var second = first
        let twice = augmentation.apply(
            to: augmentation.apply(to: batch, generator: &first), generator: &second)
        XCTAssertEqual(twice, batch)
    }

    func testCropWithoutPaddingAndNoneAreIdentity() {
        var generator = SeededGenerator(seed: 4)
        let before = generator
        XCTAssertEqual(Augmentation(cropPadding: 0).apply(to: batch, generator: &generator), batch)
        XCTAssertEqual(Augmentation.none.apply(to: batch, generator: &generator), batch)
        XCTAssertEqual(
            generator.next(),
            {
                var g = before
                return g.next()
            }(), "identity must not draw")
    }

    func testCropShiftsEachImageAndFillsWithZeros() {
        var generator = SeededGenerator(seed: 7)
        let cropped = Augmentation(cropPadding: 2).apply(to: batch, generator: &generator)
        var shiftedCount = 0
        for plane in 0..<32 {
            let input = Array(batch.scalars[plane * 15..<(plane + 1) * 15])
            let output = Array(cropped.scalars[plane * 15..<(plane + 1) * 15])
            // Every output pixel is zero or the input pixel at one common offset.
            let offsets = Set(
                output.enumerated().compactMap { index, value in
                    value == 0 ? nil : input.firstIndex(of: value).map { $0 - index }
                })
            XCTAssertLessThanOrEqual(offsets.count, 1, "plane \(plane) is not a shift")
            if offsets != [0] { shiftedCount += 1 }
        }
        XCTAssertGreaterThan(shiftedCount, 0)
    }

    func testSameGeneratorStateGivesSameResult() {
        let augmentation = Augmentation(cropPadding: 1, horizontalFlip: true)
        var first = SeededGenerator(seed: 11)
        var second = SeededGenerator(seed: 11)
        XCTAssertEqual(
            augmentation.apply(to: batch, generator: &first),
            augmentation.apply(to: batch, generator: &second))
        var other = SeededGenerator(seed: 12)
        XCTAssertNotEqual(
            augmentation.apply(to: batch, generator: &first),
            augmentation.apply(to: batch, generator: &other))
    }
}
