import Foundation
import LoupeSupport

/// A file a run read or wrote, identified by size and SHA-256 hash.
public struct FileRecord: Codable, Equatable, Sendable {
    /// Where the file is: absolute for inputs, relative to the manifest's directory for outputs.
    public var path: String
    /// The file's size in bytes.
    public var bytes: Int
    /// The lowercase hexadecimal SHA-256 hash of the file's content.
    public var sha256: String

    public init(path: String, bytes: Int, sha256: String) {
        self.path = path
        self.bytes = bytes
        self.sha256 = sha256
    }

    /// Measures the file at `url` and records it under `path`.
    public init(measuring url: URL, recordedAs path: String) throws {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        } catch {
            throw InputError(
                source: url.path, problem: "cannot read attributes: \(error.localizedDescription)")
        }
        self.init(
            path: path, bytes: (attributes[.size] as? NSNumber)?.intValue ?? 0,
            sha256: try SHA256.hex(ofFile: url))
    }
}

/// The floating-point operations one layer performed during a run.
public struct LayerFLOPs: Codable, Equatable, Sendable {
    /// The layer's name.
    public var layer: String
    /// Operations in the forward pass.
    public var forward: Int
    /// Operations in the backward pass.
    public var backward: Int

    public init(layer: String, forward: Int, backward: Int) {
        self.layer = layer
        self.forward = forward
        self.backward = backward
    }
}
