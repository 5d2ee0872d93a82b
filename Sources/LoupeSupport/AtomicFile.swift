import Foundation

/// Writes files so that readers see either the old content or the complete new content.
///
/// The new content goes to a temporary file in the target's directory, is flushed to
/// disk, and is renamed over the target. If anything fails, the target is untouched and
/// the temporary file is removed.
public enum AtomicFile {
    /// Replaces the file at `url` with `data`.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { temporary in
            do {
                try data.write(to: temporary)
            } catch {
                throw FileError(path: url.path, problem: "cannot write: \(error.localizedDescription)")
            }
        }
    }

    /// Replaces the file at `url` with whatever `body` writes to the temporary URL it is given.
    ///
    /// Use this for writers that stream their output. `body` must create the file at the
    /// temporary URL; if it throws, the target is untouched and the temporary file is removed.
    public static func write(to url: URL, _ body: (URL) throws -> Void) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(
            ".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
        do {
            try body(temporary)
            try flushToDisk(temporary)
            guard rename(temporary.path, url.path) == 0 else {
                throw FileError.fromErrno("cannot replace", path: url.path)
            }
        } catch {
            unlink(temporary.path)
            throw error
        }
        // Make the rename itself durable; failure here cannot undo it, so it is not an error.
        let directoryDescriptor = open(directory.path, O_RDONLY)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    private static func flushToDisk(_ url: URL) throws {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else {
            throw FileError.fromErrno("cannot reopen to flush", path: url.path)
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw FileError.fromErrno("cannot flush", path: url.path) }
    }
}
