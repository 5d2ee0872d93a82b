import CImageDecoding
import LoupeSupport

/// One decoded JPEG or PNG image: 8-bit samples, row after row, `channels` interleaved
/// samples per pixel (1: grey, 3: RGB).
package struct DecodedImage: Sendable, Equatable {
    package var width: Int
    package var height: Int
    package var channels: Int
    /// `height * width * channels` samples, HWC.
    package var pixels: [UInt8]
}

/// Decodes JPEG and PNG files with libjpeg-turbo and libpng (through `CImageDecoding`).
package enum ImageDecoder {
    /// The image in `bytes`: JPEG (baseline or progressive, grey or colour) or PNG (grey,
    /// grey+alpha, RGB, RGBA or palette, any bit depth, interlaced or not), chosen by the
    /// file's signature, not its name. Alpha is dropped; 16-bit samples keep their high byte.
    ///
    /// - Throws: `InputError` naming `file` for anything the decoders report (a truncated or
    ///   corrupt file, a bad CRC, a file that is neither format) and for an image over `budget`.
    package static func decode(_ bytes: [UInt8], file: String, budget: MemoryBudget = .current) throws(InputError)
        -> DecodedImage
    {
        var image = loupe_image()
        var message = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBufferPointer { input in
            loupe_image_decode(input.baseAddress, input.count, max(budget.bytes, 0), &image, &message, message.count)
        }
        guard status == 0, let pixels = image.pixels else {
            let text = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            throw InputError(source: file, problem: String(decoding: text, as: UTF8.self))
        }
        defer { loupe_image_free(&image) }
        let count = Int(image.width) * Int(image.height) * Int(image.channels)
        return DecodedImage(
            width: Int(image.width), height: Int(image.height), channels: Int(image.channels),
            pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
    }
}
