import Foundation
import XCTest

@testable import LoupeReport

final class PNGImageTests: XCTestCase {
    /// What Python's standard library makes of a PNG file.
    private struct Decoded: Decodable {
        var chunks: [String]
        var crcsValid: Bool
        var width: Int
        var height: Int
        var bitDepth: Int
        var colorType: Int
        var pixels: [UInt8]
    }

    /// Parses chunks with struct, checks every CRC with zlib.crc32, inflates the IDAT data
    /// and removes the filter bytes (which must all be 0, the only filter written).
    private static let decoder = """
        import json, struct, sys, zlib
        data = open(sys.argv[1], "rb").read()
        assert data[:8] == b"\\x89PNG\\r\\n\\x1a\\n", "bad signature"
        position, chunks, crcs_valid, idat = 8, [], True, b""
        while position < len(data):
            length, kind = struct.unpack(">I4s", data[position:position + 8])
            body = data[position + 8:position + 8 + length]
            (crc,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
            crcs_valid &= zlib.crc32(kind + body) == crc
            chunks.append(kind.decode())
            if kind == b"IHDR":
                width, height, depth, color, _, _, _ = struct.unpack(">IIBBBBB", body)
            if kind == b"IDAT":
                idat += body
            position += 12 + length
        raw = zlib.decompress(idat)
        row = width * {0: 1, 2: 3}[color]
        assert len(raw) == height * (row + 1), "wrong inflated size"
        assert all(raw[y * (row + 1)] == 0 for y in range(height)), "unexpected filter type"
        pixels = b"".join(raw[y * (row + 1) + 1:(y + 1) * (row + 1)] for y in range(height))
        print(json.dumps({"chunks": chunks, "crcsValid": crcs_valid, "width": width, "height": height,
                          "bitDepth": depth, "colorType": color, "pixels": list(pixels)}))
        """

    private func decodeWithPython(_ image: PNGImage) throws -> Decoded {
        let url = try temporaryDirectory(for: self).appendingPathComponent("image.png")
        try image.write(to: url)
        return try Python.json(Decoded.self, Self.decoder, arguments: [url.path])
    }

    func testPythonDecodesGrayscale() throws {
        let pixels = (0..<(28 * 28)).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let decoded = try decodeWithPython(PNGImage(width: 28, height: 28, channels: .grayscale, pixels: pixels))
        XCTAssertEqual(decoded.chunks, ["IHDR", "IDAT", "IEND"])
        XCTAssertTrue(decoded.crcsValid)
        XCTAssertEqual([decoded.width, decoded.height, decoded.bitDepth, decoded.colorType], [28, 28, 8, 0])
        XCTAssertEqual(decoded.pixels, pixels)
    }

    func testPythonDecodesNonSquareRGB() throws {
        let pixels = (0..<(5 * 3 * 3)).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
        let decoded = try decodeWithPython(PNGImage(width: 5, height: 3, channels: .rgb, pixels: pixels))
        XCTAssertTrue(decoded.crcsValid)
        XCTAssertEqual([decoded.width, decoded.height, decoded.bitDepth, decoded.colorType], [5, 3, 8, 2])
        XCTAssertEqual(decoded.pixels, pixels)
    }

    func testDataURIIsBase64OfThePNG() throws {
        let image = PNGImage(width: 1, height: 1, channels: .grayscale, pixels: [200])
        let prefix = "data:image/png;base64,"
        XCTAssertTrue(image.dataURI.hasPrefix(prefix))
        XCTAssertEqual(Data(base64Encoded: String(image.dataURI.dropFirst(prefix.count))), image.pngData())
    }
}
