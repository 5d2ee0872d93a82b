import CZlib
import Foundation
import LoupeSupport

/// Streaming decompression through the system zlib.
///
/// Output grows in fixed-size chunks and stops at the memory budget (`MemoryBudget`, 4 GiB
/// unless `LOUPE_MEMORY_BUDGET` says otherwise) or at the size the container claims, so a
/// lying header or a decompression bomb cannot make it allocate more than that.
enum Gzip {
    /// Which framing the compressed bytes use.
    enum Format {
        /// A gzip (or zlib) stream, detected from its header.
        case gzip
        /// A bare deflate stream, as stored in zip archives.
        case rawDeflate

        var windowBits: Int32 { self == .gzip ? 15 + 32 : -15 }
    }

    /// Whether `bytes` start with the gzip magic number 0x1f 0x8b.
    static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    /// Decompresses `input`; `file` names the source in errors.
    ///
    /// A gzip input may hold several members one after another, as gzip itself accepts; their
    /// outputs are concatenated.
    ///
    /// - Parameters:
    ///   - claimedSize: the decompressed size the container states (a zip member's header),
    ///     checked against the budget before anything is inflated; output beyond it is refused.
    ///   - budget: the most bytes the output may hold.
    ///   - inputPiece: how many input bytes zlib is given at a time (its counts are 32-bit).
    /// - Throws: `InputError` when the stream is corrupt or truncated, or followed by bytes that
    ///   are not another gzip member, when the claimed size is over the budget, or when the
    ///   output grows past the claimed size or the budget.
    static func decompress(
        _ input: [UInt8], format: Format = .gzip, claimedSize: Int? = nil, budget: MemoryBudget = .current,
        file: String, inputPiece: Int = 1 << 30
    ) throws -> [UInt8] {
        precondition((1...Int(UInt32.max)).contains(inputPiece), "zlib takes 1 to 2^32 - 1 bytes at a time")
        let overBudget =
            "over the memory budget of \(MemoryBudget.describe(budget.bytes)) (set LOUPE_MEMORY_BUDGET to raise it)"
        if let claimedSize, claimedSize > budget.bytes {
            throw InputError(
                source: file, problem: "claims \(MemoryBudget.describe(claimedSize)) decompressed, \(overBudget)")
        }
        let limit = min(claimedSize ?? budget.bytes, budget.bytes)
        var stream = z_stream()
        guard
            inflateInit2_(&stream, format.windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
                == Z_OK
        else { throw InputError(source: file, problem: "cannot initialise zlib") }
        defer { inflateEnd(&stream) }

        let chunkSize = 1 << 20
        var output: [UInt8] = []
        output.reserveCapacity(min(limit, max(chunkSize, input.count * 4)))
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var status: Int32 = Z_OK
        try input.withUnsafeBufferPointer { source in
            // zlib counts input in UInt32: hand it over in pieces (1 GiB unless a test says).
            var handedOver = 0
            try chunk.withUnsafeMutableBufferPointer { buffer in
                while true {
                    if stream.avail_in == 0, handedOver < source.count, let base = source.baseAddress {
                        let piece = min(source.count - handedOver, inputPiece)
                        stream.next_in = UnsafeMutablePointer(mutating: base + handedOver)
                        stream.avail_in = UInt32(piece)
                        handedOver += piece
                    }
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(chunkSize)
                    status = inflate(&stream, Z_NO_FLUSH)
                    switch status {
                    case Z_OK, Z_STREAM_END: break
                    case Z_BUF_ERROR:
                        throw InputError(source: file, problem: "truncated compressed data (stream ends early)")
                    default:
                        let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                        throw InputError(source: file, problem: "corrupt compressed data: \(reason)")
                    }
                    let produced = chunkSize - Int(stream.avail_out)
                    guard output.count + produced <= limit else {
                        throw InputError(
                            source: file,
                            problem: claimedSize.map { "decompresses to more than the \($0) bytes it claims" }
                                ?? "decompresses to more than \(MemoryBudget.describe(limit)), \(overBudget)")
                    }
                    output.append(contentsOf: buffer[0..<produced])
                    guard status == Z_STREAM_END else { continue }
                    // A gzip file may hold several members one after another (as `cat a.gz b.gz`
                    // makes); anything else after the end of the stream is not compressed data.
                    let next = source.count - handedOver + Int(stream.avail_in)
                    guard next > 0 else { break }
                    let offset = source.count - next
                    guard format == .gzip, next >= 2, source[offset] == 0x1f, source[offset + 1] == 0x8b else {
                        throw InputError(
                            source: file, problem: "\(next) bytes of trailing data after the compressed stream")
                    }
                    inflateReset(&stream)
                }
            }
        }
        return output
    }

    /// The CRC-32 of `bytes`, as used by zip archives.
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBytes { crc32($0) }
    }

    /// The CRC-32 of the bytes in `buffer`.
    static func crc32(_ buffer: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt = 0
        var start = 0
        // zlib counts input in UInt32: pieces of at most 1 GiB.
        repeat {
            let piece = min(buffer.count - start, 1 << 30)
            crc = CZlib.crc32(
                crc, buffer.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) + start }, UInt32(piece))
            start += piece
        } while start < buffer.count
        return UInt32(crc)
    }
}

/// Reads a whole file and decompresses it when it is gzip-compressed.
func readPossiblyGzippedFile(_ url: URL) throws -> [UInt8] {
    let bytes = try InputFile.read(url)
    return Gzip.isGzip(bytes) ? try Gzip.decompress(bytes, file: url.lastPathComponent) : bytes
}
