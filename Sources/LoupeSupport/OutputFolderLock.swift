import Foundation

/// An exclusive advisory lock on an output folder, so that two commands never write into
/// the same folder at once (their outputs and manifests would mix).
///
/// The lock is `flock(2)` on the file ``fileName`` inside the folder, which holds the
/// holder's process id for the error message of the next writer. The lock is released when
/// the value is deallocated or the process ends, however it ends; the file itself stays (removing
/// it would let a third writer lock a new file while the second still holds the old one).
public final class OutputFolderLock: Sendable {
    /// The lock file's name inside the locked folder.
    public static let fileName = ".loupe.lock"

    /// The locked folder.
    public let folder: URL
    private let descriptor: Int32

    /// Locks `folder`, which must exist, or throws ``OutputFolderLockError`` at once if another
    /// open lock holds it (this process's included).
    public init(folder: URL) throws {
        self.folder = folder
        let path = folder.appendingPathComponent(Self.fileName).path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else {
            throw OutputFolderLockError(folder: folder.path, problem: .cannotOpen(String(cString: strerror(errno))))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            let holder = Self.recordedHolder(descriptor)
            close(descriptor)
            guard reason == EWOULDBLOCK else {
                throw OutputFolderLockError(
                    folder: folder.path, problem: .cannotOpen(String(cString: strerror(reason))))
            }
            throw OutputFolderLockError(folder: folder.path, problem: .held(by: holder))
        }
        self.descriptor = descriptor
        let text = Array("\(getpid())\n".utf8)
        if ftruncate(descriptor, 0) == 0 {
            _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        }
    }

    deinit { close(descriptor) }

    /// Whether a writer holds the lock of `folder` now; its process id if it recorded one.
    /// Takes no lock and creates no file.
    public static func holder(of folder: URL) -> (held: Bool, pid: pid_t?) {
        let descriptor = open(folder.appendingPathComponent(fileName).path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { return (false, nil) }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_SH | LOCK_NB) != 0, errno == EWOULDBLOCK else { return (false, nil) }
        return (true, recordedHolder(descriptor))
    }

    /// The process id written in the lock file, if it is one.
    private static func recordedHolder(_ descriptor: Int32) -> pid_t? {
        var bytes = [UInt8](repeating: 0, count: 16)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return pid_t(String(decoding: bytes[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
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
        /// Another writer holds the lock (its process id, if it recorded one).
        case held(by: pid_t?)
        /// The lock file cannot be opened or locked.
        case cannotOpen(String)
    }

    public init(folder: String, problem: Problem) {
        self.folder = folder
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .held(let pid):
            let holder = pid.map { "another loupe process (pid \($0))" } ?? "another loupe process"
            return
                "\(folder): \(holder) is writing into this output folder; wait for it to finish or choose another --out"
        case .cannotOpen(let reason):
            return "\(folder): cannot lock the output folder (\(OutputFolderLock.fileName)): \(reason)"
        }
    }
}
