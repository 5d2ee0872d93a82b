import Foundation
import LoupeSupport

/// Reader for the IDX format of MNIST and Fashion-MNIST, raw or gzip-compressed.
///
/// An IDX file starts with a magic number `0x0000TTRR` (`TT` the element type, 0x08 for
/// unsigned bytes; `RR` the rank), then `RR` big-endian 32-bit dimensions, then the data.
/// Only unsigned-byte files of rank 3 (images) and rank 1 (labels) are read.
public enum IDXFile {
    /// Unsigned-byte images read from an IDX file.
    public struct Images: Sendable {
        public var count: Int
        public var height: Int
        public var width: Int
        /// `count * height * width` pixels, image after image, row-major.
        public var pixels: [UInt8]
    }

    /// Reads a rank-3 unsigned-byte IDX file (magic 0x00000803).
    public static func readImages(_ url: URL) throws -> Images {
        let bytes = try readPossiblyGzippedFile(url)
        let dims = try header(bytes, rank: 3, kind: "images", url: url)
        try checkDataLength(bytes, dims: dims, url: url)
        return Images(
            count: dims[0], height: dims[1], width: dims[2], pixels: Array(bytes[headerSize(rank: 3)...]))
    }

    /// Reads a rank-1 unsigned-byte IDX file (magic 0x00000801).
    public static func readLabels(_ url: URL) throws -> [UInt8] {
        let bytes = try readPossiblyGzippedFile(url)
        let dims = try header(bytes, rank: 1, kind: "labels", url: url)
        try checkDataLength(bytes, dims: dims, url: url)
        return Array(bytes[headerSize(rank: 1)...])
    }

    private static func headerSize(rank: Int) -> Int { 4 + 4 * rank }

    /// Validates the magic number and returns the dimensions.
    private static func header(_ bytes: [UInt8], rank: Int, kind: String, url: URL) throws -> [Int] {
        guard bytes.count >= headerSize(rank: rank) else {
            throw InputError(url, "file has \(bytes.count) bytes, too short for an IDX \(kind) header")
        }
        let magic = bigEndianUInt32(bytes, at: 0)
        let expected = UInt32(0x0800 + rank)
        guard magic == expected else {
            throw InputError(url, "wrong IDX magic \(hex(magic)), expected \(hex(expected)) (\(kind))")
        }
        return (0..<rank).map { Int(bigEndianUInt32(bytes, at: 4 + 4 * $0)) }
    }

    /// Checks that the dimensions describe exactly the bytes that follow the header.
    private static func checkDataLength(_ bytes: [UInt8], dims: [Int], url: URL) throws {
        let claimed: Int
        do {
            // Zero dimensions do not hide the others: image sizes cannot overflow later.
            claimed = try CheckedSize.claimedBytes(dims, bytesPerElement: 1, for: url.lastPathComponent)
        } catch let error as SizeError {
            throw InputError(url, "IDX header \(error.problem)")
        }
        let actual = bytes.count - headerSize(rank: dims.count)
        guard claimed == actual else {
            let shape = dims.map(String.init).joined(separator: "x")
            throw InputError(
                url, "IDX header claims \(shape) = \(claimed) bytes of data, file has \(actual)")
        }
    }

    private static func bigEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
