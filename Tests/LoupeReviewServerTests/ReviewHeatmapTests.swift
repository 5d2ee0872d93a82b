import Foundation
import XCTest

@testable import LoupeData

/// An attribute folder inside the audit folder gives the detail view its heatmaps.
final class ReviewHeatmapTests: XCTestCase {
    func testAttributionMapsOfTheFolderBecomeHeatmaps() async throws {
        let fixture = try ReviewFixture()
        let maps = fixture.audit.appendingPathComponent("attributions")
        try FileManager.default.createDirectory(at: maps, withIntermediateDirectories: true)
        let ids = Array(fixture.ids.prefix(2))
        try NPYFile.write(ids.map(Int64.init), shape: [2], to: maps.appendingPathComponent("ids.npy"))
        // Example 0: +1 at pixel (3, 4), -1 at (10, 20); example 1: all zero.
        var values = [Float](repeating: 0, count: 2 * 28 * 28)
        values[3 * 28 + 4] = 1
        values[10 * 28 + 20] = -1
        try NPYFile.write(values, shape: [2, 1, 28, 28], to: maps.appendingPathComponent("gradient.npy"))
        for name in ["examples.csv", "attributions.html"] {
            try Data().write(to: maps.appendingPathComponent(name))
        }
        let client = try await fixture.start()
        let detail = try client.get("/api/items/\(ids[0])").json() as! [String: Any]
        let heatmaps = detail["heatmaps"] as! [[String: String]]
        XCTAssertEqual(heatmaps, [["title": "gradient", "url": "/api/items/\(ids[0])/heatmaps/0.png"]])
        let picture = try ImageDecoder.decode(Array(try client.get(heatmaps[0]["url"]!).body), file: "heatmap")
        XCTAssertEqual([picture.width, picture.height, picture.channels], [28, 28, 3])
        func rgb(_ row: Int, _ column: Int) -> [UInt8] {
            Array(picture.pixels[(row * 28 + column) * 3..<(row * 28 + column) * 3 + 3])
        }
        XCTAssertEqual(rgb(0, 0), [255, 255, 255])  // zero: white
        XCTAssertTrue(rgb(3, 4)[0] > rgb(3, 4)[2], "positive is red: \(rgb(3, 4))")
        XCTAssertTrue(rgb(10, 20)[2] > rgb(10, 20)[0], "negative is blue: \(rgb(10, 20))")
        // The other reviewed example has no map; a map of the wrong shape is refused at start.
        let other = try client.get("/api/items/\(fixture.ids[5])").json() as! [String: Any]
        XCTAssertEqual((other["heatmaps"] as! [Any]).count, 0)
        try NPYFile.write(
            [Float](repeating: 0, count: 2 * 3 * 28 * 28), shape: [2, 3, 28, 28],
            to: maps.appendingPathComponent("wrong.npy"))
        do {
            _ = try await fixture.start()
            XCTFail("a map of the wrong shape was accepted")
        } catch {
            XCTAssertTrue("\(error)".contains("wrong.npy"), "\(error)")
            XCTAssertTrue("\(error)".contains("expected float32 maps of shape [2, 1, 28, 28]"), "\(error)")
        }
    }
}
