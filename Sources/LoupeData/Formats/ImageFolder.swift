import Foundation
import LoupeSupport

/// Datasets kept as image files in class folders, torchvision's `ImageFolder` layout:
/// `root/train/<class>/*` and `root/test/<class>/*`, or a single `root/<class>/*` to be split.
///
/// Classes are the sorted folder names (byte order); the test folder must have the same
/// classes as the training folder. Examples are sorted by class, then by path inside the class
/// folder (byte order, subfolders included), and their ids are their indices in that order (per
/// part). Files whose extension is not `.jpg`, `.jpeg` or `.png` (any case) and hidden files
/// are skipped and counted, as torchvision does; files at the root are ignored. Images are
/// decoded in parallel (``ImageDecoder``) and stored as bytes, CHW; a decoded cache (see
/// ``ImageFolderCache``) makes later loads of unchanged folders fast.
public enum ImageFolder {
    /// The extensions of the files read as images, compared case-insensitively.
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]

    /// Where decoded folders are cached by default: `$LOUPE_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/loupe`, else `~/.cache/loupe`.
    public static var defaultCacheDirectory: URL { ImageFolderCache.defaultDirectory }

    /// How images are made one shape.
    public struct Options: Sendable, Equatable {
        /// Resize every image to this height and width (area averaging, see
        /// ``ImageResampling``); when `nil`, all images must have the first image's size.
        public var imageSize: ImageSize?
        /// Convert every image to 1 (grey) or 3 (RGB) channels; when `nil`, all images must
        /// have the first image's channel count.
        public var channels: Int?
        /// Where decoded folders are cached; `nil` decodes every time.
        public var cacheDirectory: URL?

        public init(imageSize: ImageSize? = nil, channels: Int? = nil, cacheDirectory: URL? = nil) {
            (self.imageSize, self.channels, self.cacheDirectory) = (imageSize, channels, cacheDirectory)
        }
    }

    /// The parts of a loaded folder.
    public struct Loaded: Sendable {
        /// The `train/` part, or the whole folder when it has no `train/` and `test/`.
        public var train: Dataset
        /// The `test/` part, if the folder has one.
        public var test: Dataset?
        /// How many files were skipped for their extension or for being hidden.
        public var skippedFiles: Int
        /// Whether the pixels came from the decoded cache.
        public var fromCache: Bool
        /// The folder's content, for a run manifest (also carried by ``train`` and ``test``).
        public var digest: ImageFolderDigest
    }

    /// Whether `directory` is laid out as class folders: it holds a folder that is not hidden
    /// and no `.npy` file (a directory of NPY arrays is read as such).
    public static func isImageFolder(_ directory: URL) -> Bool {
        guard let entries = try? FolderEntry.list(directory, relative: "") else { return false }
        return entries.contains { $0.isDirectory } && !entries.contains { $0.name.lowercased().hasSuffix(".npy") }
    }

    /// Reads and decodes the folder at `root`.
    ///
    /// - Throws: `InputError` naming the file (relative to `root`) for an unreadable, corrupt
    ///   or truncated image, an empty class folder, a class in `test/` missing from `train/`
    ///   (or the reverse), a symbolic-link loop, or an image whose size or channel count differs
    ///   from the first image's when `options` do not convert it.
    public static func load(_ root: URL, options: Options = Options()) throws -> Loaded {
        let listing = try FolderListing(root: root)
        let name = root.standardizedFileURL.lastPathComponent
        let cache = options.cacheDirectory.map { ImageFolderCache(directory: $0, root: root, options: options) }
        let fingerprint = listing.fingerprint(options: options)
        let decoded: (shape: ImageShape, parts: [[UInt8]], sha256: [UInt8])
        var fromCache = false
        if let cached = cache?.read(fingerprint: fingerprint, counts: listing.parts.map(\.files.count)) {
            decoded = cached
            fromCache = true
            cache?.touch()
        } else {
            let (shape, parts) = try ImageFolderDecoding.decode(listing, options: options)
            decoded = (shape, parts, ImageFolderDigest.sha256(listing: listing, shape: shape, parts: parts))
            try? cache?.write(fingerprint: fingerprint, shape: shape, parts: parts, sha256: decoded.sha256)
        }
        let digest = ImageFolderDigest(
            root: root.standardizedFileURL.path, imageCount: listing.parts.reduce(0) { $0 + $1.files.count },
            imageSize: options.imageSize, channels: options.channels,
            sha256: decoded.sha256.map { String(format: "%02x", $0) }.joined())
        let datasets = try zip(listing.parts, decoded.parts).map { part, bytes in
            var dataset = try Dataset(
                name: part.name.map { "\(name)/\($0)" } ?? name, shape: decoded.shape, classNames: listing.classNames,
                bytes: bytes, labels: part.files.map { Int64($0.label) }, paths: part.files.map(\.path))
            dataset.imageFolder = digest
            return dataset
        }
        return Loaded(
            train: datasets[0], test: datasets.count > 1 ? datasets[1] : nil, skippedFiles: listing.skippedFiles,
            fromCache: fromCache, digest: digest)
    }
}

/// An image size, height by width.
public struct ImageSize: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var height: Int
    public var width: Int

    public init(height: Int, width: Int) { (self.height, self.width) = (height, width) }

    /// `HxW`, for example `32x32`, with both sides in 1...65,535; `nil` otherwise.
    public init?(parsing text: String) {
        let sides = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard sides.count == 2, let height = Int(sides[0]), let width = Int(sides[1]),
            (1...65_535).contains(height), (1...65_535).contains(width)
        else { return nil }
        self.init(height: height, width: width)
    }

    /// `HxW`.
    public var description: String { "\(height)x\(width)" }
}
