import Foundation
import LoupeSupport

/// Safe access to the files a manifest names: a manifest is input like any other, so an
/// entry is only read if it is a regular file (never a device such as `/dev/zero`, a FIFO or
/// a socket, which could block or never end), of at most a stated size, and, for entries
/// relative to a run folder, inside that folder once symbolic links are resolved.
enum RunFolderFile {
    /// A manifest entry that is not read, and why.
    struct Refusal: LoupeError, Equatable {
        /// The entry as the manifest names it.
        var source: String
        var kind: Kind

        var problem: String { kind.description }
    }

    /// Why an entry is not read.
    enum Kind: Equatable, CustomStringConvertible {
        case missing
        case empty
        case absolutePath
        case parentComponent
        case outsideFolder(resolved: String)
        case notRegularFile(kind: String)
        case tooLarge(bytes: Int, limit: Int)
        case unreadable(reason: String)

        var description: String {
            switch self {
            case .missing: "does not exist"
            case .empty: "is empty; a run folder's entries must name a file in it"
            case .absolutePath: "is an absolute path; a run folder's entries must be relative to it"
            case .parentComponent: "has a '..' component; a run folder's entries must stay inside it"
            case .outsideFolder(let resolved): "resolves to \(resolved), outside the run folder"
            case .notRegularFile(let kind): "is a \(kind), not a regular file"
            case .tooLarge(let bytes, let limit):
                "is \(MemoryBudget.describe(bytes)), over the limit of \(MemoryBudget.describe(limit)) for a checked file (set LOUPE_MEMORY_BUDGET to raise it)"
            case .unreadable(let reason): "cannot be read: \(reason)"
            }
        }
    }

    /// The largest file hashed or read: the memory budget (4 GiB unless `LOUPE_MEMORY_BUDGET`
    /// says otherwise). Hashing streams, so this bounds the time a lying manifest can cost.
    static var defaultLimit: Int { MemoryBudget.current.bytes }

    /// The file that `entry`, a path relative to `folder`, names, after checking that it is
    /// relative, has no `..` component and, with symbolic links resolved, lies inside `folder`.
    static func resolve(entry: String, in folder: URL) throws(Refusal) -> URL {
        try checkRelative(entry)
        let base = realPath(folder.path) ?? folder.standardizedFileURL.path
        guard let resolved = realPath(folder.appendingPathComponent(entry).path) else {
            throw Refusal(source: entry, kind: .missing)
        }
        guard resolved.hasPrefix(base.hasSuffix("/") ? base : base + "/") else {
            throw Refusal(source: entry, kind: .outsideFolder(resolved: resolved))
        }
        return URL(fileURLWithPath: resolved)
    }

    /// Refuses an entry that is empty (named `''`), absolute or has a `..` component.
    static func checkRelative(_ entry: String) throws(Refusal) {
        guard !entry.isEmpty else { throw Refusal(source: "''", kind: .empty) }
        guard !entry.hasPrefix("/") else { throw Refusal(source: entry, kind: .absolutePath) }
        guard !entry.split(separator: "/").contains("..") else {
            throw Refusal(source: entry, kind: .parentComponent)
        }
    }

    /// The size and SHA-256 of the regular file at `url`, streamed.
    static func measure(_ url: URL, entry: String, limit: Int = defaultLimit) throws(Refusal) -> (
        bytes: Int, sha256: String
    ) {
        var hasher = SHA256()
        let bytes = try stream(url, entry: entry, limit: limit) { hasher.update(bytes: $0) }
        return (bytes, hexString(hasher.finalize()))
    }

    /// The content of the regular file at `url`.
    static func read(_ url: URL, limit: Int) throws(Refusal) -> Data {
        var data = Data()
        try stream(url, entry: url.path, limit: limit) { data.append(contentsOf: $0) }
        return data
    }

    /// Opens `url` without blocking, checks with `fstat` that it is a regular file of at most
    /// `limit` bytes, and passes its content to `body` in chunks.
    ///
    /// - Returns: The number of bytes read.
    @discardableResult
    private static func stream(
        _ url: URL, entry: String, limit: Int, _ body: (UnsafeRawBufferPointer) -> Void
    ) throws(Refusal) -> Int {
        let descriptor = open(url.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else {
            let problem: Kind =
                errno == ENOENT || errno == ENOTDIR
                ? .missing : .unreadable(reason: String(cString: strerror(errno)))
            throw Refusal(source: entry, kind: problem)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw Refusal(source: entry, kind: .unreadable(reason: String(cString: strerror(errno))))
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw Refusal(source: entry, kind: .notRegularFile(kind: kind(of: status.st_mode)))
        }
        let size = Int(status.st_size)
        guard size <= limit else { throw Refusal(source: entry, kind: .tooLarge(bytes: size, limit: limit)) }
        let chunkSize = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var total = 0
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, chunkSize)
            if count < 0 {
                if errno == EINTR { continue }
                throw Refusal(source: entry, kind: .unreadable(reason: String(cString: strerror(errno))))
            }
            if count == 0 { return total }
            total += count
            // A file that grows while it is read is held to the same bound.
            guard total <= limit else { throw Refusal(source: entry, kind: .tooLarge(bytes: total, limit: limit)) }
            body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    private static func kind(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "directory"
        case S_IFCHR: "character device"
        case S_IFBLK: "block device"
        case S_IFIFO: "FIFO"
        case S_IFSOCK: "socket"
        default: "special file"
        }
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func hexString(_ digest: [UInt8]) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
