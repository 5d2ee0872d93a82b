import LoupeSupport

/// A manifest that cannot be written, read or checked, and why.
public struct ManifestError: LoupeError, Equatable {
    /// The file concerned.
    public var path: String
    /// What is wrong.
    public var problem: Problem

    /// The ways recording or verifying a run can fail.
    public enum Problem: Equatable, Sendable {
        /// The directory has no `manifest.json`.
        case missingManifest
        /// `manifest.json` is not a valid manifest.
        case corruptManifest(reason: String)
        /// An output is not inside the directory the manifest describes.
        case outputOutsideDirectory(directory: String)
    }

    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .missingManifest: "\(path): no manifest found"
        case .corruptManifest(let reason): "\(path): corrupt manifest: \(reason)"
        case .outputOutsideDirectory(let directory):
            "\(path): output is outside the output directory \(directory)"
        }
    }
}
