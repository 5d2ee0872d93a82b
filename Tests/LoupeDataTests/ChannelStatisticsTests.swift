import LoupeData
import XCTest

/// `Dataset.channelStatistics()` (what `--normalize dataset` uses) against numpy.
final class ChannelStatisticsTests: XCTestCase {
    /// Three RGB images of 2 x 2, bytes `(i * 37 + 11) % 256` in CHW order. Reference, computed
    /// once with numpy 2:
    ///
    ///     raw = np.array([(i * 37 + 11) % 256 for i in range(36)], dtype=np.uint8).reshape(3, 3, 2, 2)
    ///     x = (raw.astype(np.float32) / np.float32(255)).astype(np.float64)
    ///     x.mean(axis=(0, 2, 3)), x.std(axis=(0, 2, 3))
    func testMatchesNumpy() throws {
        let bytes = (0..<36).map { UInt8(($0 * 37 + 11) % 256) }
        let data = try Dataset(
            name: "fixture", shape: ImageShape(channels: 3, height: 2, width: 2), classCount: 2, bytes: bytes,
            labels: [0, 1, 0])
        let (mean, std) = data.channelStatistics()
        let expectedMean = [0.4960784399881959, 0.4908496858552098, 0.4856209220985572]
        let expectedStd = [0.31409904469654965, 0.2639657250788543, 0.3016670919814854]
        for c in 0..<3 {
            XCTAssertEqual(mean[c], expectedMean[c], accuracy: 1e-14)
            XCTAssertEqual(std[c], expectedStd[c], accuracy: 1e-14)
        }
        // A subset counts only its examples; the order of examples does not matter.
        let reversed = data.subset([2, 1, 0]).channelStatistics()
        for c in 0..<3 { XCTAssertEqual(reversed.mean[c], mean[c], accuracy: 1e-15) }
    }
}
