import XCTest

@testable import LoupeReport

final class HeatmapTests: XCTestCase {
    private func colors(_ values: [Float], _ colormap: Colormap) -> [[UInt8]] {
        let bytes = colormap.rgb(values)
        return stride(from: 0, to: bytes.count, by: 3).map { Array(bytes[$0..<$0 + 3]) }
    }

    func testBlueWhiteRedIsSymmetricAndScaledByLargestMagnitude() {
        XCTAssertEqual(
            colors([-4, -2, 0, 1, 2, .nan], .blueWhiteRed()),
            [[0, 0, 255], [128, 128, 255], [255, 255, 255], [255, 191, 191], [255, 128, 128], [128, 128, 128]])
    }

    func testBlueWhiteRedClampsToAGivenScale() {
        XCTAssertEqual(
            colors([-10, 0.5, 10, .infinity], .blueWhiteRed(scale: 1)),
            [[0, 0, 255], [255, 128, 128], [255, 0, 0], [255, 0, 0]])
        XCTAssertEqual(colors([0, 0], .blueWhiteRed()), [[255, 255, 255], [255, 255, 255]])
    }

    func testViridisRunsFromPurpleToYellow() {
        XCTAssertEqual(
            colors([3, 5, 7, 1, 9], .viridis(range: 3...7)),
            [[68, 1, 84], [33, 144, 141], [253, 231, 37], [68, 1, 84], [253, 231, 37]])
        // Halfway between the first two samples, and the data's own range by default.
        XCTAssertEqual(colors([0, 1 / 16, 1], .viridis())[1], [70, 23, 103])
    }

    func testImageHasOneColorPerValue() {
        let image = Heatmap.image([-1, 0, 1, 0, 0, 0], width: 3, height: 2)
        XCTAssertEqual([image.width, image.height], [3, 2])
        XCTAssertEqual(image.channels, .rgb)
        XCTAssertEqual(Array(image.pixels[0..<9]), [0, 0, 255, 255, 255, 255, 255, 0, 0])
    }

    func testOverlayBlendsOverGrayscale() {
        let base = PNGImage(width: 2, height: 1, channels: .grayscale, pixels: [0, 200])
        let heat = PNGImage(width: 2, height: 1, channels: .rgb, pixels: [255, 0, 0, 0, 0, 255])
        XCTAssertEqual(Heatmap.overlay(heat, on: base, alpha: 0).pixels, [0, 0, 0, 200, 200, 200])
        XCTAssertEqual(Heatmap.overlay(heat, on: base, alpha: 1).pixels, heat.pixels)
        XCTAssertEqual(Heatmap.overlay(heat, on: base, alpha: 0.25).pixels, [64, 0, 0, 150, 150, 214])
    }
}
