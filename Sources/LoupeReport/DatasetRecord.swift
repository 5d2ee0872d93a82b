/// A dataset a run read that is not one file: an ImageFolder, recorded by its root, its image
/// count, the options it was decoded with and the SHA-256 of the decoded dataset (paths,
/// labels, shape and pixels in a canonical order, see `ImageFolderDigest` in LoupeData), so
/// that a third party holding the folder can check that it is the same data.
public struct DatasetRecord: Codable, Equatable, Sendable {
    /// The kind of dataset: `imagefolder`.
    public var kind: String
    /// The dataset's absolute path.
    public var path: String
    /// Images in the dataset (all parts).
    public var images: Int
    /// `--image-size` it was decoded with, `HxW`, if any.
    public var imageSize: String?
    /// `--channels` it was decoded with, if any.
    public var channels: Int?
    /// The lowercase hexadecimal SHA-256 of the decoded dataset.
    public var sha256: String

    public init(kind: String, path: String, images: Int, imageSize: String?, channels: Int?, sha256: String) {
        (self.kind, self.path, self.images, self.imageSize, self.channels, self.sha256) =
            (kind, path, images, imageSize, channels, sha256)
    }
}
