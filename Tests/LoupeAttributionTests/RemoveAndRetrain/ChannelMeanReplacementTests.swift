import LoupeAttribution
import LoupeData
import XCTest

final class ChannelMeanReplacementTests: XCTestCase {
    let shape = ImageShape(channels: 2, height: 2, width: 3)  // 12 elements, 6 per channel
    let means: [Float] = [0.25, -7.5]

    func replaced(_ image: [Float], order: [Int32], percent: Double, mode: RetrainMode) -> [Float] {
        var image = image
        let replacement = ChannelMeanReplacement(means: means, shape: shape)
        image.withUnsafeMutableBufferPointer { pixels in
            order.withUnsafeBufferPointer { replacement.apply(to: pixels, order: $0, percent: percent, mode: mode) }
        }
        return image
    }

    func testRankedCountRoundsHalfAwayFromZero() {
        XCTAssertEqual(ChannelMeanReplacement.rankedCount(percent: 10, elementCount: 784), 78)  // 78.4
        XCTAssertEqual(ChannelMeanReplacement.rankedCount(percent: 30, elementCount: 5), 2)  // 1.5
        XCTAssertEqual(ChannelMeanReplacement.rankedCount(percent: 50, elementCount: 785), 393)  // 392.5
        XCTAssertEqual(ChannelMeanReplacement.rankedCount(percent: 90, elementCount: 784), 706)  // 705.6
        XCTAssertEqual(ChannelMeanReplacement.rankedCount(percent: 12.5, elementCount: 8), 1)
    }

    /// ROAR replaces exactly the first round(t n) elements of the order, each by its own
    /// channel's mean; KAR replaces exactly the others.
    func testExactCountsAndChannelMeans() {
        let image: [Float] = (0..<12).map { Float($0) + 100 }
        let order: [Int32] = [7, 0, 11, 3, 6, 1, 2, 4, 5, 8, 9, 10]
        for percent in [10.0, 30, 50, 70, 90] {
            let k = Int((percent * 12 / 100).rounded())
            let roar = replaced(image, order: order, percent: percent, mode: .roar)
            let kar = replaced(image, order: order, percent: percent, mode: .kar)
            let top = Set(order.prefix(k).map(Int.init))
            for element in 0..<12 {
                let mean = means[element / 6]
                XCTAssertEqual(
                    roar[element], top.contains(element) ? mean : image[element], "roar \(percent)% #\(element)")
                XCTAssertEqual(
                    kar[element], top.contains(element) ? image[element] : mean, "kar \(percent)% #\(element)")
            }
            XCTAssertEqual(zip(roar, image).filter { $0 != $1 }.count, k)
            XCTAssertEqual(zip(kar, image).filter { $0 != $1 }.count, 12 - k)
        }
    }

    /// At the same fraction the two modes replace complementary sets: every element is
    /// replaced by exactly one of them.
    func testROARAndKARAreComplementary() {
        let image: [Float] = (0..<12).map { Float($0 * $0) + 1000 }  // no element equals a mean
        let order = RandomRankingControl.permutation(count: 12, seed: 9).map(Int32.init)
        for percent in [1.0, 25, 50, 99] {
            let roar = replaced(image, order: order, percent: percent, mode: .roar)
            let kar = replaced(image, order: order, percent: percent, mode: .kar)
            for element in 0..<12 {
                let timesReplaced = (roar[element] != image[element] ? 1 : 0) + (kar[element] != image[element] ? 1 : 0)
                XCTAssertEqual(timesReplaced, 1, "element \(element) at \(percent)%")
            }
        }
    }

    /// Ties in the attribution are broken by element index, through the ranking.
    func testTiesGoToTheLowerIndex() {
        let scores: [Float] = [0, 2, -2, 1, 2, 0, 0, 0, 0, 0, 0, -1]
        let order = scores.withUnsafeBufferPointer { ElementRanking.order(bySquared: $0) }
        // 20% of 12 = 2.4 -> 2 elements: the squares 4, 4, 4 at 1, 2, 4 -> 1 and 2.
        let roar = replaced((0..<12).map { Float($0) + 10 }, order: order, percent: 20, mode: .roar)
        XCTAssertEqual(roar.indices.filter { roar[$0] != Float($0) + 10 }, [1, 2])
    }

    /// A modified dataset has float pixels with the exact means, and keeps ids, labels and
    /// the order of examples.
    func testModifiedDatasetKeepsIDsLabelsAndExactMeans() throws {
        let pixels: [UInt8] = (0..<(3 * 12)).map { UInt8($0 * 7 % 256) }
        let bytes = try Dataset(
            name: "bytes", shape: shape, classCount: 3, bytes: pixels, labels: [2, 0, 1]
        ).subset([2, 0])
        let orders: [Int32] = Array(0..<12) + Array((0..<12).reversed())
        let means: [Float] = [1.0 / 3.0, 0.123_456_789]
        let modified = try ChannelMeanReplacement(means: means, shape: shape).modified(
            bytes, orders: orders, percent: 50, mode: .roar)
        XCTAssertEqual(modified.ids, [2, 0])
        XCTAssertEqual(modified.labels, [1, 2])
        let original = bytes.images(at: [0, 1]).scalars
        let result = modified.images(at: [0, 1]).scalars
        for element in 0..<12 {
            // example 0 (id 2): elements 0..<6 replaced (channel 0); example 1 (id 0): 11...6 (channel 1)
            XCTAssertEqual(result[element], element < 6 ? means[0] : original[element])
            XCTAssertEqual(result[12 + element], element >= 6 ? means[1] : original[12 + element])
        }
    }
}
