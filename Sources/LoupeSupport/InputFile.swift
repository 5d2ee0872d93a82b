import Foundation

/// The one way Loupe reads a file it was given as input (data, predictions, attributes,
/// baselines).
///
/// The file is opened without blocking (`O_NONBLOCK`, so a FIFO with no writer cannot hang
/// the open or the read), checked with `fstat` on the open descriptor to be a regular file
/// (not a FIFO, a device such as `/dev/zero`, a socket or a directory), and its size is
/// checked against the memory budget before anything is allocated. Every failure is a
/// `InputError` naming the file: `data.csv: not a regular file (a FIFO)`.
package enum InputFile {
    /// The bytes of the regular file at `url`.
    ///
    /// - Parameters:
    ///   - name: how errors name the file; the last path component when `nil`.
    ///   - budget: the most bytes the file may hold; the current `MemoryBudget` by default.
    /// - Throws: `InputError` when the file cannot be opened, is not a regular file, is larger
    ///   than the budget, or cannot be read.
    package static func read(_ url: URL, name: String? = nil, budget: MemoryBudget = .current) throws(InputError)
        -> [UInt8]
    {
        let label = name ?? url.lastPathComponent
        let descriptor = open(url.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw InputError(source: label, problem: String(cString: strerror(errno)))  // "No such file or directory"
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw InputError.fromErrno("cannot inspect", path: label) }
        let kind = status.st_mode & S_IFMT
        guard kind == S_IFREG else {
            throw InputError(source: label, problem: "not a regular file (\(describe(fileType: kind)))")
        }
        let size = Int(status.st_size)
        try checkSize(size, label: label, budget: budget)
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while true {
            if filled == bytes.count {
                // The file may have grown since fstat: keep reading, within the budget.
                var probe: UInt8 = 0
                let count = systemRead(descriptor, &probe, 1)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw InputError.fromErrno("cannot read", path: label)
                }
                if count == 0 { break }
                try checkSize(filled + 1, label: label, budget: budget)
                bytes.append(probe)
                filled += 1
                bytes.append(contentsOf: repeatElement(0, count: min(max(filled, 1 << 16), budget.bytes - filled)))
                continue
            }
            let count = bytes.withUnsafeMutableBytes { buffer in
                systemRead(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw InputError.fromErrno("cannot read", path: label)
            }
            if count == 0 { break }
            filled += count
        }
        bytes.removeSubrange(filled...)
        return bytes
    }

    /// The UTF-8 text of the regular file at `url`, without a leading byte-order mark (see
    /// `TextEncoding.utf8Body`). Invalid UTF-8 sequences become U+FFFD.
    ///
    /// - Throws: `InputError` as `read` does, and for text in UTF-16 or UTF-32.
    package static func readText(_ url: URL, name: String? = nil, budget: MemoryBudget = .current) throws(InputError)
        -> String
    {
        let label = name ?? url.lastPathComponent
        let bytes = try read(url, name: label, budget: budget)
        return String(decoding: try TextEncoding.utf8Body(of: bytes, file: label), as: UTF8.self)
    }

    private static func checkSize(_ size: Int, label: String, budget: MemoryBudget) throws(InputError) {
        guard size <= budget.bytes else {
            throw InputError(
                source: label,
                problem:
                    "file of \(MemoryBudget.describe(size)) is over the memory budget of \(MemoryBudget.describe(budget.bytes)) (set LOUPE_MEMORY_BUDGET to raise it)"
            )
        }
    }

    /// `a FIFO`, `a directory`, `a character device`, ...
    static func describe(fileType kind: mode_t) -> String {
        switch kind {
        case S_IFIFO: "a FIFO"
        case S_IFDIR: "a directory"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFLNK: "a symbolic link"
        default: "file type \(String(kind, radix: 8))"
        }
    }
}

/// `read(2)`, under a name the `InputFile.read` overloads do not shadow.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
