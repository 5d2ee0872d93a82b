import Foundation

/// An advisory lock on an output folder, so that two commands never write into the same
/// folder at once (their outputs and manifests would mix).
///
/// The shard tasks of one run (``Shard``) share the folder: each takes the lock shared, since
/// they write disjoint units atomically; the run that collects their outputs takes it
/// exclusively, so it waits for no task and no task starts under it.
///
/// The lock is `flock(2)` on the folder itself, so it leaves nothing behind: a refused or
/// finished run adds no file to the folder. The lock is released when the value is
/// deallocated or the process ends, however it ends.
package final class OutputFolderLock: Sendable {
    /// The locked folder.
    package let folder: URL
    private let descriptor: Int32

    /// Whether the lock is shared with other shard tasks.
    package let isShared: Bool

    /// Locks `folder`, which must exist, or throws ``OutputFolderLockError`` at once if another
    /// open lock holds it (this process's included): exclusively, or `shared` with other
    /// shared holders.
    package init(folder: URL, shared: Bool = false) throws {
        self.folder = folder
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw OutputFolderLockError(source: folder.path, kind: .cannotOpen(String(cString: strerror(errno))))
        }
        guard Self.lock(descriptor, shared: shared) else {
            let reason = errno
            close(descriptor)
            guard reason == EWOULDBLOCK else {
                throw OutputFolderLockError(
                    source: folder.path, kind: .cannotOpen(String(cString: strerror(reason))))
            }
            throw OutputFolderLockError(source: folder.path, kind: shared ? .heldExclusively : .held)
        }
        self.descriptor = descriptor
        self.isShared = shared
    }

    deinit { close(descriptor) }

    /// Takes the lock without waiting for a writer; a shared lock retries for up to 0.2 s, since
    /// ``isHeld(_:)`` holds the lock exclusively for the moment of its probe.
    private static func lock(_ descriptor: Int32, shared: Bool) -> Bool {
        let attempts = shared ? 40 : 1
        for attempt in 1...attempts {
            if flock(descriptor, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0 { return true }
            guard errno == EWOULDBLOCK, attempt < attempts else { return false }  // errno stays the reason
            usleep(5_000)
        }
        return false
    }

    /// Whether a writer holds the lock of `folder` now, exclusively or shared (shard tasks).
    /// Holds no lock afterwards: the probe's lock, if it gets one, is released at once.
    package static func isHeld(_ folder: URL) -> Bool {
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return flock(descriptor, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK
    }
}

/// An output folder that cannot be locked, and why.
public struct OutputFolderLockError: LoupeError, Equatable {
    /// The folder.
    public var source: String
    /// What is wrong.
    public var kind: Kind

    /// The ways locking can fail.
    public enum Kind: Equatable, Sendable {
        /// Another writer holds the lock.
        case held
        /// A run that is not a shard task holds the lock, so a shard task cannot join.
        case heldExclusively
        /// The folder cannot be opened or locked.
        case cannotOpen(String)
    }

    public init(source: String, kind: Kind) {
        self.source = source
        self.kind = kind
    }

    public var problem: String {
        switch kind {
        case .held:
            "another loupe process is writing into this output folder (shard tasks included); wait for it to finish or choose another --out"
        case .heldExclusively:
            "a loupe process that is not a shard task is writing into this output folder; wait for it to finish"
        case .cannotOpen(let reason):
            "cannot lock the output folder: \(reason)"
        }
    }
}
