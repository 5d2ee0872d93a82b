import LoupeSupport

/// A manifest that cannot be written, read or checked, and why.
public struct ManifestError: LoupeError, Equatable {
    /// The file concerned.
    public var source: String
    /// What is wrong.
    public var kind: Kind

    /// The ways recording or verifying a run can fail.
    public enum Kind: Equatable, Sendable {
        /// The directory has no `manifest.json`.
        case missingManifest
        /// `manifest.json` is not a valid manifest.
        case corruptManifest(reason: String)
        /// An output is not inside the directory the manifest describes.
        case outputOutsideDirectory(directory: String)
        /// The manifest has no content hash.
        case unsealed
        /// The manifest's content no longer matches its content hash: it was edited.
        case tampered
        /// An entry of the manifest names a file that must not be read (outside the run
        /// folder, not a regular file, too large).
        case unsafeEntry(String)
        /// Another process holds the folder's lock and is writing into it.
        case beingWritten
        /// A file an earlier, interrupted run recorded changed before this run could carry
        /// it forward.
        case changedSinceRecorded(manifest: String)
        /// The run that wrote the manifest did not finish.
        case inProgress
    }

    public init(source: String, kind: Kind) {
        self.source = source
        self.kind = kind
    }

    public var problem: String {
        switch kind {
        case .missingManifest:
            "no manifest found: not a finished loupe run (a run writes its manifest when it ends; an interrupted one resumes when its command is run again)"
        case .corruptManifest(let reason): "corrupt manifest: \(reason)"
        case .outputOutsideDirectory(let directory):
            "output is outside the output directory \(directory)"
        case .unsealed:
            "has no contentSHA256, so edits to it cannot be detected (written by an older loupe, or the field was removed)"
        case .tampered:
            "edited after it was written (its content does not match its contentSHA256)"
        case .unsafeEntry(let entry): "entry \(entry)"
        case .beingWritten:
            "a loupe process is writing into this folder now; verify it when the run has finished"
        case .changedSinceRecorded(let manifest):
            "changed since \(manifest) recorded it, so this run cannot vouch for it (remove it or start again in a new --out)"
        case .inProgress:
            "the run that wrote it did not finish (interrupted); resume it, or start again in a new --out"
        }
    }
}
