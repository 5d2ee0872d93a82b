import Foundation
import LoupeSupport

/// Remembers the records of files hashed before, keyed by path and valid while the file's
/// inode, size and modification time are unchanged (``AtomicFile`` replaces a file with a new
/// inode, and an edit in place moves the modification time). Used for progress manifests only;
/// a final manifest hashes every file afresh.
final class OutputHashCache: @unchecked Sendable {
    private struct Identity: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int
    }

    private let lock = NSLock()
    private var entries: [String: (identity: Identity, record: FileRecord)] = [:]

    /// The record of the file at `url` under `path`: remembered if the file is unchanged,
    /// else measured and remembered.
    func record(of url: URL, as path: String) throws -> FileRecord {
        guard let identity = Self.identity(of: url) else { return try FileRecord(measuring: url, recordedAs: path) }
        lock.lock()
        let known = entries[url.path]
        lock.unlock()
        if let known, known.identity == identity, known.record.path == path { return known.record }
        let record = try FileRecord(measuring: url, recordedAs: path)
        lock.lock()
        entries[url.path] = (identity, record)
        lock.unlock()
        return record
    }

    private static func identity(of url: URL) -> Identity? {
        var status = stat()
        guard stat(url.path, &status) == 0 else { return nil }
        return Identity(
            device: UInt64(status.st_dev), inode: UInt64(status.st_ino), size: Int64(status.st_size),
            modifiedSeconds: Int(status.st_mtim.tv_sec), modifiedNanoseconds: Int(status.st_mtim.tv_nsec))
    }
}
