import LoupeAttribution
import LoupeData
import LoupeRandom
import LoupeTensor
import XCTest

final class ChannelMeansTests: XCTestCase {
    /// Equals a naive loop over every pixel of every image, per channel, for byte data
    /// (divided by 255) and for a subset; batch size does not matter.
    func testMatchesNaiveLoop() throws {
        var generator = SeededGenerator(seed: 1)
        let shape = ImageShape(channels: 3, height: 5, width: 4)
        let count = 37
        let bytes = (0..<(count * shape.pixelCount)).map { _ in UInt8(generator.nextInt(below: 256)) }
        let dataset = try Dataset(
            name: "b", shape: shape, classCount: 2, bytes: bytes, labels: (0..<count).map { Int64($0 % 2) }
        ).subset(Array(stride(from: 0, to: count, by: 2)))
        var naive = [Double](repeating: 0, count: 3)
        var pixels = 0.0
        for position in 0..<dataset.count {
            let id = dataset.ids[position]
            for channel in 0..<3 {
                for pixel in 0..<20 {
                    naive[channel] += Double(Float(bytes[id * 60 + channel * 20 + pixel]) / 255)
                }
            }
            pixels += 20
        }
        let expected = naive.map { Float($0 / pixels) }
        for means in [ChannelMeans.of(dataset), ChannelMeans.of(dataset, batchSize: 4)] {
            XCTAssertEqual(means.count, 3)
            for channel in 0..<3 { XCTAssertEqual(means[channel], expected[channel], accuracy: 1e-6) }
        }
        XCTAssertNotEqual(expected[0], expected[1], "channels differ, so a mix-up would show")
    }
}
