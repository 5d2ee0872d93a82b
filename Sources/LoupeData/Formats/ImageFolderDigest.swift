import Foundation
import LoupeSupport

/// What a run manifest records of an ``ImageFolder`` so a third party can check the data: the
/// folder, its image count, the options it was decoded with and the SHA-256 of the decoded
/// dataset.
///
/// The hash is taken over the canonical form of the decoded folder, not its files (whose
/// bytes a re-encoding changes without changing a pixel): the UTF-8 text
/// `loupe-imagefolder-digest 1\n<C> <H> <W>\n`, then each class name followed by `\n`, then
/// for each part in order (`train` then `test`, or the one part) `part <name or -> <count>\n`
/// and for each of its examples in order (by class, then path) the path relative to the root,
/// a tab, the label in decimal and `\n`, followed by the image's `C x H x W` pixel bytes (CHW,
/// after `--image-size` and `--channels`). It is computed when the folder is decoded and kept
/// in the decoded cache, so a cached start does not hash the pixels again.
public struct ImageFolderDigest: Sendable, Equatable {
    /// The folder's absolute path.
    public var root: String
    /// Images in all parts.
    public var imageCount: Int
    /// `--image-size` used to decode, if any.
    public var imageSize: ImageSize?
    /// `--channels` used to decode, if any.
    public var channels: Int?
    /// The lowercase hexadecimal SHA-256 of the canonical form.
    public var sha256: String

    public init(root: String, imageCount: Int, imageSize: ImageSize?, channels: Int?, sha256: String) {
        (self.root, self.imageCount, self.imageSize, self.channels, self.sha256) =
            (root, imageCount, imageSize, channels, sha256)
    }

    /// The hash of `listing`'s decoded `parts` of images of `shape`, in the canonical form.
    static func sha256(listing: FolderListing, shape: ImageShape, parts: [[UInt8]]) -> [UInt8] {
        var hash = SHA256()
        var header = "loupe-imagefolder-digest 1\n\(shape.channels) \(shape.height) \(shape.width)\n"
        header += listing.classNames.map { $0 + "\n" }.joined()
        hash.update(Data(header.utf8))
        let size = shape.pixelCount
        for (part, pixels) in zip(listing.parts, parts) {
            hash.update(Data("part \(part.name ?? "-") \(part.files.count)\n".utf8))
            pixels.withUnsafeBytes { bytes in
                for (index, file) in part.files.enumerated() {
                    hash.update(Data("\(file.path)\t\(file.label)\n".utf8))
                    hash.update(bytes: UnsafeRawBufferPointer(rebasing: bytes[(index * size)..<((index + 1) * size)]))
                }
            }
        }
        return hash.finalize()
    }

    /// Decodes the folder again, without any cache, and returns the hash of what it holds
    /// now, for `loupe verify`.
    ///
    /// - Throws: `InputError` as ``ImageFolder/load(_:options:)`` does (a missing folder, a
    ///   corrupt image).
    public func recomputedSHA256() throws -> String {
        let loaded = try ImageFolder.load(
            URL(fileURLWithPath: root, isDirectory: true),
            options: ImageFolder.Options(imageSize: imageSize, channels: channels, cacheDirectory: nil))
        return loaded.digest.sha256
    }
}
