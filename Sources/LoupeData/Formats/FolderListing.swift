import Foundation
import LoupeSupport

/// The image files of an ``ImageFolder``, found and checked before anything is decoded.
struct FolderListing {
    struct File {
        /// The path relative to the root, `train/cat/0001.jpg`.
        var path: String
        var label: Int
        var size: Int64
        var modified: timespec
    }

    struct Part {
        /// `train` or `test`, or `nil` for a folder without them.
        var name: String?
        var files: [File]
    }

    let root: URL
    let classNames: [String]
    let parts: [Part]
    let skippedFiles: Int

    init(root: URL) throws {
        self.root = root
        let top = try FolderEntry.list(root, relative: "")
        let folders = Set(top.filter(\.isDirectory).map(\.name))
        var skipped = 0
        var visited: [[UInt64]: String] = [:]
        if folders.contains("train") && folders.contains("test") {
            let train = try Self.classes(root, "train/")
            let test = try Self.classes(root, "test/")
            if let extra = test.first(where: { !train.contains($0) }) {
                throw InputError(source: "test/\(extra)", problem: "class folder missing from train/")
            }
            if let missing = train.first(where: { !test.contains($0) }) {
                throw InputError(source: "test/\(missing)", problem: "class folder of train/ missing from test/")
            }
            classNames = train
            parts = try ["train", "test"].map { (part: String) in
                Part(
                    name: part,
                    files: try Self.files(root, part + "/", classes: train, visited: &visited, skipped: &skipped))
            }
        } else {
            classNames = try Self.classes(root, "")
            parts = [
                Part(
                    name: nil,
                    files: try Self.files(root, "", classes: classNames, visited: &visited, skipped: &skipped))
            ]
        }
        skippedFiles = skipped
    }

    /// The class folders under `prefix`, sorted.
    private static func classes(_ root: URL, _ prefix: String) throws -> [String] {
        let names = try FolderEntry.list(root.appendingPathComponent(prefix), relative: prefix)
            .filter(\.isDirectory).map(\.name)
        guard !names.isEmpty else {
            throw InputError(source: prefix.isEmpty ? root.path : prefix, problem: "no class folders")
        }
        return names
    }

    /// The image files of every class under `prefix`, by class, then by path. `visited` holds
    /// every folder listed so far (by device and inode) with its path.
    private static func files(
        _ root: URL, _ prefix: String, classes: [String], visited: inout [[UInt64]: String], skipped: inout Int
    ) throws -> [File] {
        var result: [File] = []
        for (label, name) in classes.enumerated() {
            let folder = prefix + name + "/"
            var found: [File] = []
            try collect(
                root.appendingPathComponent(folder), folder, label: label, ancestors: [], visited: &visited,
                into: &found, skipped: &skipped)
            guard !found.isEmpty else {
                throw InputError(source: folder, problem: "empty class folder: no .jpg, .jpeg or .png files")
            }
            found.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
            result += found
        }
        return result
    }

    /// Adds the image files under `url` to `files`. Each folder is listed once: one reached
    /// again through a symbolic link is refused, a loop (the folder inside itself) and any
    /// other second path alike, so links cannot multiply the listing (a chain of folders each
    /// linking twice to the next would otherwise list 2^depth paths) or put one image in two
    /// classes or splits.
    private static func collect(
        _ url: URL, _ relative: String, label: Int, ancestors: Set<[UInt64]>, visited: inout [[UInt64]: String],
        into files: inout [File], skipped: inout Int
    ) throws {
        let entries = try FolderEntry.list(url, relative: relative, skippedHidden: &skipped)
        guard let identity = try? FolderEntry.identity(of: url), !ancestors.contains(identity) else {
            throw InputError(source: relative, problem: "symbolic link loop: the folder contains itself")
        }
        if let first = visited[identity] {
            throw InputError(
                source: relative,
                problem: "the same folder as \(first) (through a symbolic link); list each folder once")
        }
        visited[identity] = relative
        for entry in entries {
            let path = relative + entry.name
            if entry.isDirectory {
                try collect(
                    url.appendingPathComponent(entry.name), path + "/", label: label,
                    ancestors: ancestors.union([identity]), visited: &visited, into: &files, skipped: &skipped)
            } else if let dot = entry.name.lastIndex(of: "."),
                ImageFolder.imageExtensions.contains(entry.name[entry.name.index(after: dot)...].lowercased())
            {
                files.append(
                    File(path: path, label: label, size: Int64(entry.status.st_size), modified: entry.status.st_mtim))
            } else {
                skipped += 1
            }
        }
    }

    /// A hash of everything the decoded pixels depend on: the layout, every file's path, size
    /// and modification time, and the options.
    func fingerprint(options: ImageFolder.Options) -> [UInt8] {
        var hash = SHA256()
        var text = "loupe-imagefolder 1\n\(options.imageSize?.description ?? "-") \(options.channels ?? 0)\n"
        text += classNames.joined(separator: "\n") + "\n"
        for part in parts {
            text += "part \(part.name ?? "-") \(part.files.count)\n"
            for file in part.files {
                text += "\(file.path)\t\(file.label)\t\(file.size)\t\(file.modified.tv_sec).\(file.modified.tv_nsec)\n"
            }
        }
        hash.update(Data(text.utf8))
        return hash.finalize()
    }
}

/// One entry of a folder, with the status of what it names (symbolic links followed).
struct FolderEntry {
    var name: String
    var status: stat
    var isDirectory: Bool { status.st_mode & S_IFMT == S_IFDIR }

    /// The entries of the folder at `url` that are not hidden, sorted by name (byte order).
    static func list(_ url: URL, relative: String) throws -> [FolderEntry] {
        var hidden = 0
        return try list(url, relative: relative, skippedHidden: &hidden)
    }

    /// The entries of the folder at `url` that are not hidden, sorted by name (byte order),
    /// counting the hidden ones. Errors name the entry by `relative` + its name.
    static func list(_ url: URL, relative: String, skippedHidden: inout Int) throws -> [FolderEntry] {
        let label = relative.isEmpty ? url.path : relative
        guard let folder = opendir(url.path) else {
            throw InputError(source: label, problem: "cannot open folder: \(String(cString: strerror(errno)))")
        }
        defer { closedir(folder) }
        var entries: [FolderEntry] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
            }
            if name.hasPrefix(".") {
                if name != "." && name != ".." { skippedHidden += 1 }
                continue
            }
            var status = stat()
            guard fstatat(dirfd(folder), name, &status, 0) == 0 else {
                throw InputError(source: relative + name, problem: String(cString: strerror(errno)))
            }
            entries.append(FolderEntry(name: name, status: status))
        }
        return entries.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// The device and inode of the folder at `url`.
    static func identity(of url: URL) throws -> [UInt64] {
        var status = stat()
        guard stat(url.path, &status) == 0 else { throw InputError(source: url.path, problem: "cannot inspect") }
        return [UInt64(status.st_dev), UInt64(status.st_ino)]
    }
}
