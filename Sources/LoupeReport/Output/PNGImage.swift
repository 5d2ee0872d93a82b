import CZlib
import Foundation
import LoupeSupport

/// An 8-bit grayscale or RGB image that encodes itself as PNG.
///
/// Encoding uses no filtering (filter type 0 on every scanline) and zlib's default
/// compression level, and writes only the IHDR, IDAT and IEND chunks, so the same pixels
/// always give the same bytes with a given zlib.
public struct PNGImage: Equatable, Sendable {
    /// How a pixel is stored.
    public enum Channels: Int, Sendable {
        /// One luminance sample per pixel.
        case grayscale = 1
        /// Red, green and blue samples per pixel, in that order.
        case rgb = 3

        /// The PNG colour type.
        var pngColorType: UInt8 { self == .grayscale ? 0 : 2 }
    }

    /// The width in pixels.
    public let width: Int
    /// The height in pixels.
    public let height: Int
    /// How each pixel is stored.
    public let channels: Channels
    /// Samples row by row from the top, `channels.rawValue` per pixel.
    public let pixels: [UInt8]

    /// An image of `width` × `height` pixels; `pixels` must hold `channels.rawValue`
    /// samples per pixel, and both sides must be at least 1.
    public init(width: Int, height: Int, channels: Channels, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "PNG image must be at least 1x1, not \(width)x\(height)")
        let sampleCount = width * height * channels.rawValue
        precondition(
            pixels.count == sampleCount,
            "\(width)x\(height) \(channels) image needs \(sampleCount) samples, not \(pixels.count)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// The image as a PNG file.
    public func pngData() -> Data {
        var header = Data()
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        // Bit depth 8, colour type, deflate compression, adaptive filtering, no interlace.
        header += [8, channels.pngColorType, 0, 0, 0]

        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        png.appendChunk("IHDR", header)
        png.appendChunk("IDAT", Self.zlibCompressed(filteredScanlines()))
        png.appendChunk("IEND", Data())
        return png
    }

    /// The PNG as a `data:` URI, for embedding in HTML without a separate file.
    public var dataURI: String {
        "data:image/png;base64," + pngData().base64EncodedString()
    }

    /// Writes the PNG to `url`, atomically.
    public func write(to url: URL) throws {
        try AtomicFile.write(pngData(), to: url)
    }

    /// Each row prefixed by its filter type byte, 0 (none).
    private func filteredScanlines() -> [UInt8] {
        let rowLength = width * channels.rawValue
        var scanlines: [UInt8] = []
        scanlines.reserveCapacity(height * (rowLength + 1))
        for row in 0..<height {
            scanlines.append(0)
            scanlines += pixels[row * rowLength..<(row + 1) * rowLength]
        }
        return scanlines
    }

    /// `bytes` as a zlib stream.
    ///
    /// The window and hash table are sized to the data rather than zlib's 32 KiB default,
    /// which makes setting up the compressor, the main cost for thumbnails, several times
    /// cheaper.
    private static func zlibCompressed(_ bytes: [UInt8]) -> Data {
        let windowBits = Int32(min(max(Int.bitWidth - (bytes.count - 1).leadingZeroBitCount, 9), 15))
        var stream = z_stream()
        var status = deflateInit2_(
            &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, windowBits, windowBits - 7, Z_DEFAULT_STRATEGY,
            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "cannot initialise zlib: status \(status)")
        defer { deflateEnd(&stream) }
        var compressed = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))))
        bytes.withUnsafeBufferPointer { input in
            compressed.withUnsafeMutableBufferPointer { output in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = output.baseAddress
                stream.avail_out = uInt(output.count)
                status = deflate(&stream, Z_FINISH)
            }
        }
        // The output buffer has zlib's worst-case size, so one call always finishes.
        precondition(status == Z_STREAM_END, "zlib deflate failed: status \(status)")
        return Data(compressed[..<Int(stream.total_out)])
    }
}

extension Data {
    fileprivate mutating func appendBigEndian(_ value: UInt32) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    /// Appends a PNG chunk: length, type, data, and the CRC-32 of type and data.
    fileprivate mutating func appendChunk(_ type: String, _ data: Data) {
        let typeBytes = Data(type.utf8)
        appendBigEndian(UInt32(data.count))
        append(typeBytes)
        append(data)
        let crc = (typeBytes + data).withUnsafeBytes { buffer in
            crc32(0, buffer.bindMemory(to: Bytef.self).baseAddress, uInt(buffer.count))
        }
        appendBigEndian(UInt32(crc))
    }
}
