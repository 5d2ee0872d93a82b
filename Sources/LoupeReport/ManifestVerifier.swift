import Foundation
import LoupeSupport

/// The result of checking a directory against its manifest.
public struct ManifestVerificationReport: Equatable, Sendable {
    /// A file whose content no longer matches its recorded hash.
    public struct Change: Equatable, Sendable {
        public var path: String
        public var expectedSHA256: String
        public var actualSHA256: String

        public init(path: String, expectedSHA256: String, actualSHA256: String) {
            self.path = path
            self.expectedSHA256 = expectedSHA256
            self.actualSHA256 = actualSHA256
        }
    }

    /// Listed files whose hash matches, as recorded.
    public var verified: [String] = []
    /// Listed files whose hash differs.
    public var changed: [Change] = []
    /// Listed files that no longer exist.
    public var missing: [String] = []
    /// Files in the directory that no manifest lists, relative to the directory.
    public var unlisted: [String] = []
    /// Files `loupe review` added to the folder and no manifest lists: its default verdict
    /// database and SQLite's companions of it (see ``ManifestVerifier/reviewDatabaseFiles(in:among:)``).
    /// Reported, not sealed, and not a failure: reviewing a run does not change what it wrote.
    public var reviewFiles: [String] = []
    /// Listed files that were not read, each as one line naming the entry and the reason
    /// (outside the run folder, not a regular file, over the size limit).
    public var refused: [String] = []
    /// Recorded datasets (ImageFolders) not checked because no way to load them was given.
    public var uncheckedDatasets: [String] = []

    public init() {}

    /// Whether every listed file matches and nothing unlisted is present (the review
    /// database, ``reviewFiles``, is not counted as unlisted).
    public var isOK: Bool { changed.isEmpty && missing.isEmpty && unlisted.isEmpty && refused.isEmpty }
}

/// Checks that a directory still holds exactly what its `manifest.json` recorded.
///
/// Every regular file in the folder must be listed, with one exception: the verdict database
/// `loupe review` keeps in a folder it reviews (`review.sqlite` and its `-wal` and `-shm`
/// files, recognised by their SQLite headers), reported apart as added by review and not
/// sealed, so that reviewing a run does not make its verification fail.
public enum ManifestVerifier {
    /// Reads `directory`'s manifest for checking: it must be a sealed, unedited manifest of a
    /// finished run whose output and history entries are relative paths without `..`, and no
    /// writer may hold the folder.
    ///
    /// - Throws: ``ManifestError`` naming the manifest and the problem.
    public static func checkedManifest(in directory: URL) throws -> RunManifest {
        let path = directory.appendingPathComponent(RunManifest.fileName).path
        if OutputFolderLock.isHeld(directory) { throw ManifestError(source: path, kind: .beingWritten) }
        let manifest = try RunManifest(contentsOfDirectory: directory)
        try checkSeal(manifest, path: path)
        for entry in (manifest.outputs + (manifest.measurements ?? [])).map(\.path)
            + (manifest.previous.map { [$0.path] } ?? [])
        {
            do { try RunFolderFile.checkRelative(entry) } catch {
                throw ManifestError(source: path, kind: .unsafeEntry(error.description))
            }
        }
        for entry in manifest.inputs.map(\.path) + (manifest.datasets ?? []).map(\.path)
        where !entry.hasPrefix("/") || entry.split(separator: "/").contains("..") {
            throw ManifestError(
                source: path,
                kind: .unsafeEntry("\(entry): an input must be recorded by its absolute path, without '..'"))
        }
        if manifest.inProgress == true { throw ManifestError(source: path, kind: .inProgress) }
        return manifest
    }

    private static func checkSeal(_ manifest: RunManifest, path: String) throws {
        guard manifest.contentSHA256 != nil else { throw ManifestError(source: path, kind: .unsealed) }
        guard manifest.isSealIntact else { throw ManifestError(source: path, kind: .tampered) }
    }

    /// Rehashes every file the manifest in `directory` lists: its outputs and measurements, its
    /// inputs, and the chain of earlier manifests it replaced (each also checked against its own content
    /// hash). Only regular files are read; outputs and history only inside `directory`.
    ///
    /// Recorded datasets (``RunManifest/datasets``) are checked with `datasetSHA256`, which
    /// loads one again and returns the hash of its decoded content (LoupeReport cannot decode
    /// images; `loupe verify` passes the loader): a different hash is a change, a folder that
    /// is gone is missing, one that cannot be loaded is refused. Without it they are listed
    /// as unchecked.
    ///
    /// Regular files under `directory` that nothing lists are unlisted, except `loupe review`'s
    /// verdict database, which goes to ``ManifestVerificationReport/reviewFiles``.
    ///
    /// - Throws: ``ManifestError`` when `manifest.json` is missing, not a valid manifest, edited,
    ///   names a path outside the folder, or describes an unfinished run.
    public static func verify(
        directory: URL, datasetSHA256: ((DatasetRecord) throws -> String)? = nil
    ) throws -> ManifestVerificationReport {
        let manifest = try checkedManifest(in: directory)
        var report = ManifestVerificationReport()
        var listed: Set<String> = [RunManifest.fileName]

        for record in manifest.outputs + (manifest.measurements ?? []) {
            listed.insert(record.path)
            check(record, inside: directory, into: &report)
        }
        for record in manifest.inputs {
            check(record, at: URL(fileURLWithPath: record.path), into: &report)
        }
        for record in manifest.datasets ?? [] {
            guard let datasetSHA256 else {
                report.uncheckedDatasets.append(record.path)
                continue
            }
            guard FileManager.default.fileExists(atPath: record.path) else {
                report.missing.append(record.path)
                continue
            }
            do {
                let actual = try datasetSHA256(record)
                if actual == record.sha256 {
                    report.verified.append(record.path)
                } else {
                    report.changed.append(
                        .init(
                            path: "\(record.path) (decoded \(record.kind) of \(record.images) images)",
                            expectedSHA256: record.sha256, actualSHA256: actual))
                }
            } catch {
                report.refused.append(
                    "\(record.path): cannot load the \(record.kind) to check it: \((error as? any LoupeError)?.description ?? "\(error)")"
                )
            }
        }
        // Follow the history while each link is intact.
        var link = manifest.previous
        while let record = link, !listed.contains(record.path) {
            listed.insert(record.path)
            guard let url = check(record, inside: directory, into: &report) else { break }
            do {
                let earlier = try RunManifest(contentsOf: url)
                try checkSeal(earlier, path: record.path)
                link = earlier.previous
                if let next = link { try RunFolderFile.checkRelative(next.path) }
            } catch let error as RunFolderFile.Refusal {
                report.refused.append("\(record.path): its previous manifest \(error)")
                break
            } catch {
                report.refused.append("\(error)")  // names the earlier manifest
                break
            }
        }

        let base = directory.standardizedFileURL.path
        let inputsInside = manifest.inputs.compactMap { record -> String? in
            record.path.hasPrefix(base + "/") ? String(record.path.dropFirst(base.count + 1)) : nil
        }
        listed.formUnion(inputsInside)
        let unlisted = regularFiles(in: directory).filter { !listed.contains($0) }
        let review = reviewDatabaseFiles(in: directory, among: Set(unlisted))
        report.reviewFiles = review.sorted()
        report.unlisted = unlisted.filter { !review.contains($0) }.sorted()
        return report
    }

    /// The name of the verdict database `loupe review` keeps in the first folder it reviews
    /// (when `--db` names none).
    public static let reviewDatabaseName = "review.sqlite"

    /// Which of the `unlisted` files (paths relative to `directory`) are `loupe review`'s
    /// default verdict database and its SQLite companions, which reviewing a run folder adds
    /// to it: `review.sqlite` at the top of the folder when it begins with SQLite's header
    /// (`SQLite format 3` and a zero byte), and then its write-ahead log `review.sqlite-wal`
    /// (empty or beginning with a WAL header) and shared-memory index `review.sqlite-shm`.
    /// Anything else, a file of that name in a subfolder or one with other content, stays
    /// unlisted: verify recognises the database, it does not ignore a name.
    static func reviewDatabaseFiles(in directory: URL, among unlisted: Set<String>) -> Set<String> {
        let database = reviewDatabaseName
        guard unlisted.contains(database),
            fileStarts(directory.appendingPathComponent(database), withOneOf: [Array("SQLite format 3\0".utf8)])
        else { return [] }
        var files: Set<String> = [database]
        let wal = database + "-wal"
        // SQLite's WAL magic numbers, big-endian (0x377f0682, 0x377f0683); a checkpointed WAL
        // may be empty.
        if unlisted.contains(wal),
            fileStarts(
                directory.appendingPathComponent(wal),
                withOneOf: [[], [0x37, 0x7F, 0x06, 0x82], [0x37, 0x7F, 0x06, 0x83]])
        {
            files.insert(wal)
        }
        if unlisted.contains(database + "-shm") { files.insert(database + "-shm") }
        return files
    }

    /// Whether the regular file at `url` begins with one of `prefixes` (the empty prefix
    /// matching only an empty file).
    private static func fileStarts(_ url: URL, withOneOf prefixes: [[UInt8]]) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 16)) ?? Data())
        return prefixes.contains { prefix in
            prefix.isEmpty ? head.isEmpty : head.count >= prefix.count && Array(head.prefix(prefix.count)) == prefix
        }
    }

    /// Checks an entry relative to `directory`: resolved inside it, then compared.
    /// - Returns: The file's location if it matches.
    @discardableResult
    private static func check(
        _ record: FileRecord, inside directory: URL, into report: inout ManifestVerificationReport
    ) -> URL? {
        do {
            let url = try RunFolderFile.resolve(entry: record.path, in: directory)
            return check(record, at: url, into: &report) ? url : nil
        } catch {
            if case .missing = error.kind {
                report.missing.append(record.path)
            } else {
                report.refused.append(error.description)
            }
            return nil
        }
    }

    /// Compares the file at `url` with `record`, adding the outcome to `report`.
    /// - Returns: Whether the file matches.
    @discardableResult
    private static func check(
        _ record: FileRecord, at url: URL, into report: inout ManifestVerificationReport
    ) -> Bool {
        let actual: (bytes: Int, sha256: String)
        do { actual = try RunFolderFile.measure(url, entry: record.path) } catch {
            switch error.kind {
            case .missing: report.missing.append(record.path)
            default: report.refused.append(error.description)
            }
            return false
        }
        guard actual.sha256 == record.sha256 else {
            report.changed.append(
                .init(path: record.path, expectedSHA256: record.sha256, actualSHA256: actual.sha256))
            return false
        }
        guard actual.bytes == record.bytes else {
            report.refused.append(
                "\(record.path): the manifest records \(record.bytes) bytes, but the file with its hash has \(actual.bytes)"
            )
            return false
        }
        report.verified.append(record.path)
        return true
    }

    /// Paths of the regular files under `directory`, relative to it.
    private static func regularFiles(in directory: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory.path) else { return [] }
        var files: [String] = []
        while let path = enumerator.nextObject() as? String {
            if (enumerator.fileAttributes?[.type] as? FileAttributeType) == .typeRegular {
                files.append(path)
            }
        }
        return files
    }
}
