import Foundation
import LoupeSupport

/// The decoded pixels of an ``ImageFolder``, stored outside it so later loads skip decoding.
///
/// One file per folder and options (`imagefolder-<hash>.bin`, the hash of the folder's absolute
/// path and the options) holds a fingerprint of the listing (every file's path, label, size and
/// modification time, and the options), the SHA-256 of the decoded dataset
/// (``ImageFolderDigest``), the shape, each part's image count and the pixels, then the
/// CRC-32 of all of that. A cache whose fingerprint, sizes or CRC-32 do not match is ignored
/// and rewritten (the CRC costs about 0.1 s for CIFAR-10's 184 MB, against the SHA-256's
/// 0.25 s); it is written atomically and read as any input file (within the memory budget).
struct ImageFolderCache {
    /// Version 2 added the dataset hash, version 3 the CRC-32; an older cache is ignored and
    /// rewritten.
    static let magic = Array("LOUPEIF3".utf8)
    let file: URL

    init(directory: URL, root: URL, options: ImageFolder.Options) {
        var hash = SHA256()
        let key = "\(root.standardizedFileURL.path)\n\(options.imageSize?.description ?? "-")\n\(options.channels ?? 0)"
        hash.update(Data(key.utf8))
        let name = hash.finalize().prefix(12).map { String(format: "%02x", $0) }.joined()
        file = directory.appendingPathComponent("imagefolder-\(name).bin")
    }

    /// The cached shape and parts when the cache matches `fingerprint` and `counts`; `nil` otherwise.
    func read(fingerprint: [UInt8], counts: [Int]) -> (shape: ImageShape, parts: [[UInt8]], sha256: [UInt8])? {
        guard let file = try? InputFile.read(file), file.count >= 4 else { return nil }
        let bytes = file[..<(file.count - 4)]
        let header = Self.magic.count + 32 + 32 + 12 + 8 * counts.count
        guard bytes.count >= header, Array(bytes[0..<8]) == Self.magic, Array(bytes[8..<40]) == fingerprint,
            Gzip.crc32(bytes) == UInt32(littleEndianBytes: file[(file.count - 4)...])
        else { return nil }
        let sha256 = Array(bytes[40..<72])
        func integer(at offset: Int, size: Int) -> Int {
            (0..<size).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
        }
        let shape = ImageShape(
            channels: integer(at: 72, size: 4), height: integer(at: 76, size: 4), width: integer(at: 80, size: 4))
        guard shape.channels > 0, shape.height > 0, shape.width > 0,
            (0..<counts.count).allSatisfy({ integer(at: 84 + 8 * $0, size: 8) == counts[$0] }),
            let sizes = Optional(counts.map { CheckedSize.product([$0, shape.channels, shape.height, shape.width]) }),
            !sizes.contains(nil), CheckedSize.sum(sizes.map { $0! } + [header]) == bytes.count
        else { return nil }
        var offset = header
        let parts = sizes.map { size in
            defer { offset += size! }
            return Array(bytes[offset..<offset + size!])
        }
        return (shape, parts, sha256)
    }

    /// Stores `parts` and their hash under `fingerprint`, creating the cache folder if needed.
    func write(fingerprint: [UInt8], shape: ImageShape, parts: [[UInt8]], sha256: [UInt8]) throws {
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        var data = Data(Self.magic + fingerprint + sha256)
        func append(_ value: Int, size: Int) {
            data.append(contentsOf: (0..<size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) })
        }
        for value in [shape.channels, shape.height, shape.width] { append(value, size: 4) }
        for part in parts { append(part.count / shape.pixelCount, size: 8) }
        for part in parts { data.append(contentsOf: part) }
        let crc = data.withUnsafeBytes { Gzip.crc32($0) }
        append(Int(crc), size: 4)
        try AtomicFile.write(data, to: file)
        pruneOthers()
    }

    /// Marks the cache as used now, so that pruning keeps it over older ones.
    func touch() {
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: file.path)
    }

    /// Deletes the least recently used other caches in the folder while all of them together
    /// take more than `limit` (twice the memory budget: 8 GiB by default), so that caches of
    /// other image sizes or of runs that then failed do not pile up without bound.
    func pruneOthers(limit: Int = 2 * MemoryBudget.current.bytes) {
        let folder = file.deletingLastPathComponent()
        let keys: [URLResourceKey] = [.fileSizeKey, .contentModificationDateKey, .isRegularFileKey]
        guard
            let entries = try? FileManager.default.contentsOfDirectory(
                at: folder, includingPropertiesForKeys: keys)
        else { return }
        var caches = entries.compactMap { url -> (url: URL, bytes: Int, used: Date)? in
            guard url.lastPathComponent.hasPrefix("imagefolder-"), url.pathExtension == "bin",
                let values = try? url.resourceValues(forKeys: Set(keys)), values.isRegularFile == true
            else { return nil }
            return (url, values.fileSize ?? 0, values.contentModificationDate ?? .distantPast)
        }
        var total = caches.reduce(0) { $0 + $1.bytes }
        caches.sort { $0.used < $1.used }
        for cache in caches where total > limit && cache.url.lastPathComponent != file.lastPathComponent {
            guard (try? FileManager.default.removeItem(at: cache.url)) != nil else { continue }
            total -= cache.bytes
        }
    }

    /// `$LOUPE_CACHE_DIR`, else `$XDG_CACHE_HOME/loupe`, else `~/.cache/loupe`.
    static var defaultDirectory: URL {
        let environment = ProcessInfo.processInfo.environment
        if let directory = environment["LOUPE_CACHE_DIR"], !directory.isEmpty { return URL(fileURLWithPath: directory) }
        if let directory = environment["XDG_CACHE_HOME"], !directory.isEmpty {
            return URL(fileURLWithPath: directory).appendingPathComponent("loupe")
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/loupe")
    }
}

extension UInt32 {
    /// The value of four little-endian bytes.
    fileprivate init(littleEndianBytes bytes: ArraySlice<UInt8>) {
        self = bytes.enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
    }
}
