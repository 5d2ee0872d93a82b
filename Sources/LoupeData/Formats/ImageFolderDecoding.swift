import Foundation
import LoupeSupport

/// Decodes the files of a ``FolderListing`` in parallel into one CHW byte array per part.
enum ImageFolderDecoding {
    static func decode(_ listing: FolderListing, options: ImageFolder.Options) throws -> (
        shape: ImageShape, parts: [[UInt8]]
    ) {
        // Each decoding thread holds up to three copies of an image at once (the decoder's
        // buffer, its copy and a resized one), so one image may take a third of its share.
        // At most 8 threads decode, so that a share stays large (170 MB of the default 4 GiB:
        // a 7,500 x 7,500 colour photo) however many cores the machine has.
        let threads = min(ProcessInfo.processInfo.activeProcessorCount, 8)
        let decodeBudget = MemoryBudget(bytes: max(1, MemoryBudget.current.bytes / (3 * threads)))
        // The first training image sets whatever the options leave open.
        let first = listing.parts[0].files[0]
        var shape = ImageShape(channels: options.channels ?? 0, height: 0, width: 0)
        if let size = options.imageSize { (shape.height, shape.width) = (size.height, size.width) }
        if options.channels == nil || options.imageSize == nil {
            let image = try read(first, root: listing.root, budget: decodeBudget)
            if options.channels == nil { shape.channels = image.channels }
            if options.imageSize == nil { (shape.height, shape.width) = (image.height, image.width) }
        }
        let perImage = shape.pixelCount
        let parts = try listing.parts.map { part in
            let count = part.files.count
            try MemoryBudget.current.check(
                CheckedSize.product(count, perImage) ?? .max, for: "\(count) images of \(shape)")
            var bytes = [UInt8](repeating: 0, count: count * perImage)
            let errors = bytes.withUnsafeMutableBufferPointer { output in
                let base = output.baseAddress!
                return Parallel.map(count: count, threads: threads) { index -> InputError? in
                    do {
                        let image = try read(part.files[index], root: listing.root, budget: decodeBudget)
                        try place(
                            image, file: part.files[index].path, into: base + index * perImage, shape: shape,
                            options: options, reference: first.path)
                        return nil
                    } catch let error as InputError {
                        return error
                    } catch {
                        return InputError(source: part.files[index].path, problem: "\(error)")
                    }
                }
            }
            // The first failure in example order, whatever the threads did first.
            if let error = errors.lazy.compactMap({ $0 }).first { throw error }
            return bytes
        }
        return (shape, parts)
    }

    private static func read(_ file: FolderListing.File, root: URL, budget: MemoryBudget) throws -> DecodedImage {
        let bytes = try InputFile.read(root.appendingPathComponent(file.path), name: file.path)
        return try ImageDecoder.decode(bytes, file: file.path, budget: budget)
    }

    /// Checks `image` against `shape` (unless the options convert it), converts it, and
    /// writes it CHW at `output`.
    private static func place(
        _ image: DecodedImage, file: String, into output: UnsafeMutablePointer<UInt8>, shape: ImageShape,
        options: ImageFolder.Options, reference: String
    ) throws(InputError) {
        if options.channels == nil && image.channels != shape.channels {
            throw InputError(
                source: file,
                problem:
                    "image has \(image.channels) channel(s) but the first image (\(reference)) has \(shape.channels); give the channel count (--channels 1|3) to convert"
            )
        }
        if options.imageSize == nil && (image.height != shape.height || image.width != shape.width) {
            throw InputError(
                source: file,
                problem:
                    "image is \(image.height)x\(image.width) but the first image (\(reference)) is \(shape.height)x\(shape.width); give an image size (--image-size HxW) to resize"
            )
        }
        var image = image
        if image.height != shape.height || image.width != shape.width {
            image = ImageResampling.areaAverage(image, height: shape.height, width: shape.width)
        }
        ImageResampling.writePlanar(image, channels: shape.channels, into: output)
    }
}
