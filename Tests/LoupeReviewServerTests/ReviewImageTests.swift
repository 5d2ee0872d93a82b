import XCTest

@testable import LoupeData

/// Example images come back as PNGs holding exactly the stored pixels, enlarged by whole pixels.
final class ReviewImageTests: XCTestCase {
    func testImagesDecodeToTheStoredPixels() async throws {
        let fixture = try ReviewFixture()
        let client = try await fixture.start()
        let id = fixture.ids[5]
        let native = try client.get("/api/items/\(id)/image.png")
        XCTAssertEqual(native.status, 200)
        XCTAssertEqual(native.headers["content-type"], "image/png")
        let image = try ImageDecoder.decode(Array(native.body), file: "reply")
        XCTAssertEqual([image.width, image.height, image.channels], [28, 28, 1])
        XCTAssertEqual(image.pixels, fixture.bytes(ofTestExample: id))
        // size=100 enlarges 3x (84 pixels): each pixel becomes a 3x3 block.
        let large = try ImageDecoder.decode(
            Array(try client.get("/api/items/\(id)/image.png?size=100").body), file: "reply")
        XCTAssertEqual([large.width, large.height], [84, 84])
        for (row, column) in [(0, 0), (40, 17), (83, 83)] {
            XCTAssertEqual(large.pixels[row * 84 + column], image.pixels[(row / 3) * 28 + column / 3])
        }
        // A training example's image has its own address.
        let trainID = fixture.train.ids[3]
        let training = try ImageDecoder.decode(
            Array(try client.get("/api/training/\(trainID)/image.png").body), file: "t")
        XCTAssertEqual(training.pixels, fixture.train.images(at: [3]).scalars.map { UInt8(($0 * 255).rounded()) })
    }

    func testBadImageRequestsAreRefusedWithAMessage() async throws {
        let fixture = try ReviewFixture()
        let client = try await fixture.start()
        for (path, status) in [
            ("/api/items/999999/image.png", 404), ("/api/items/abc/image.png", 404),
            ("/api/items/\(fixture.ids[0])/image.png?size=0", 400),
            ("/api/items/\(fixture.ids[0])/image.png?size=99999999999999999999", 400),
            ("/api/items/\(fixture.ids[0])/heatmaps/0.png", 404),
        ] {
            let reply = try client.get(path)
            XCTAssertEqual(reply.status, status, path)
            XCTAssertNotNil(reply.error, path)
        }
    }
}
