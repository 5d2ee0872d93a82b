import Foundation

/// An exclusive advisory lock on an output folder, so that two commands never write into
/// the same folder at once (their outputs and manifests would mix).
///
/// The lock is `flock(2)` on the folder itself, so it leaves nothing behind: a refused or
/// finished run adds no file to the folder. The lock is released when the value is
/// deallocated or the process ends, however it ends.
package final class OutputFolderLock: Sendable {
    /// The locked folder.
    package let folder: URL
    private let descriptor: Int32

    /// Locks `folder`, which must exist, or throws ``OutputFolderLockError`` at once if another
    /// open lock holds it (this process's included).
    package init(folder: URL) throws {
        self.folder = folder
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw OutputFolderLockError(folder: folder.path, problem: .cannotOpen(String(cString: strerror(errno))))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            close(descriptor)
            guard reason == EWOULDBLOCK else {
                throw OutputFolderLockError(
                    folder: folder.path, problem: .cannotOpen(String(cString: strerror(reason))))
            }
            throw OutputFolderLockError(folder: folder.path, problem: .held)
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Whether a writer holds the lock of `folder` now. Takes no lock.
    package static func isHeld(_ folder: URL) -> Bool {
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return flock(descriptor, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK
    }
}

/// An output folder that cannot be locked, and why.
public struct OutputFolderLockError: LoupeError, Equatable {
    /// The folder.
    public var folder: String
    /// What is wrong.
    public var problem: Problem

    /// The ways locking can fail.
    public enum Problem: Equatable, Sendable {
        /// Another writer holds the lock.
        case held
        /// The folder cannot be opened or locked.
        case cannotOpen(String)
    }

    public init(folder: String, problem: Problem) {
        self.folder = folder
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .held:
            "\(folder.escapedForOneLine): another loupe process is writing into this output folder; wait for it to finish or choose another --out"
        case .cannotOpen(let reason):
            "\(folder.escapedForOneLine): cannot lock the output folder: \(reason)"
        }
    }
}
