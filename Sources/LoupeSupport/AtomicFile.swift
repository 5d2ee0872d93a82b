import Foundation

/// Writes files so that readers see either the old content or the complete new content.
///
/// The new content goes to a temporary file in the target's directory, is flushed to
/// disk, and is renamed over the target. If anything fails, the target is untouched and
/// the temporary file is removed.
package enum AtomicFile {
    /// Replaces the file at `url` with `data`.
    ///
    /// A failed write (a full disk, a file over the size limit) throws an ``InputError`` naming
    /// `url` and the system's reason (`cannot write: File too large`); the temporary file is
    /// removed. The bytes are written with `write(2)`, not `Data.write(to:)`, whose error
    /// keeps no reason (`The operation could not be completed`).
    package static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { temporary in
            let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw InputError.fromErrno("cannot create a temporary file", path: url.path) }
            defer { close(descriptor) }
            try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
                var offset = 0
                while offset < buffer.count {
                    let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw InputError.fromErrno("cannot write", path: url.path)
                    }
                    offset += written
                }
            }
        }
    }

    /// Replaces the file at `url` with whatever `body` writes to the temporary URL it is given.
    ///
    /// Use this for writers that stream their output. `body` must create the file at the
    /// temporary URL; if it throws, the target is untouched and the temporary file is removed.
    package static func write(to url: URL, _ body: (URL) throws -> Void) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(temporaryName(for: url.lastPathComponent))
        do {
            try body(temporary)
            try flushToDisk(temporary)
            guard rename(temporary.path, url.path) == 0 else {
                throw InputError.fromErrno("cannot replace", path: url.path)
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

    /// The name the content for `name` is written under before the rename:
    /// `.<name>.<writer pid>.<random>.tmp`.
    static func temporaryName(for name: String) -> String {
        ".\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
    }

    /// The id of the process that wrote `name`, if `name` is one of ``write(to:_:)``'s
    /// temporary names (`.<name>.<pid>.<number>.tmp`); nil for any other name.
    package static func temporaryWriter(ofName name: String) -> pid_t? {
        guard name.hasPrefix("."), name.hasSuffix(".tmp") else { return nil }
        let parts = name.dropFirst().dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 3, !parts.dropLast(2).joined(separator: ".").isEmpty,
            let number = parts.last, number.allSatisfy(\.isNumber), UInt32(number) != nil,
            let pid = pid_t(parts[parts.count - 2]), pid > 0
        else { return nil }
        return pid
    }

    /// Removes, under `directory` and its subdirectories, the temporary files that writers
    /// which no longer run left behind (killed between writing and renaming). Files of
    /// running writers and every other file are kept.
    ///
    /// - Returns: The removed files' paths relative to `directory`, sorted.
    @discardableResult
    package static func removeAbandonedTemporaryFiles(under directory: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory.path) else { return [] }
        var removed: [String] = []
        while let path = enumerator.nextObject() as? String {
            guard (enumerator.fileAttributes?[.type] as? FileAttributeType) == .typeRegular,
                let writer = temporaryWriter(ofName: (path as NSString).lastPathComponent),
                !isRunning(writer)
            else { continue }
            if unlink(directory.appendingPathComponent(path).path) == 0 { removed.append(path) }
        }
        return removed.sorted()
    }

    /// Whether a process with id `pid` exists (one owned by another user counts) and, where
    /// `/proc` tells, runs this program: after a power loss or a reboot the writer's id may
    /// belong to an unrelated process, whose life says nothing about the file.
    static func isRunning(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard pid != getpid(), let ours = executable(of: "self") else { return true }
        return executable(of: "\(pid)") == ours
    }

    /// The program `/proc/<process>/exe` names, or nil where there is no such link (not Linux,
    /// or another user's process).
    private static func executable(of process: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(process)/exe")
    }

    private static func flushToDisk(_ url: URL) throws {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else {
            throw InputError.fromErrno("cannot reopen to flush", path: url.path)
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw InputError.fromErrno("cannot flush", path: url.path) }
    }
}
