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

    public init() {}

    /// Whether every listed file matches and nothing unlisted is present.
    public var isOK: Bool { changed.isEmpty && missing.isEmpty && unlisted.isEmpty }
}

/// Checks that a directory still holds exactly what its `manifest.json` recorded.
public enum ManifestVerifier {
    /// Rehashes every file the manifest in `directory` lists: its outputs, its inputs, and
    /// the chain of earlier manifests it replaced.
    ///
    /// - Throws: ``ManifestError`` when `manifest.json` is missing or not a valid manifest.
    public static func verify(directory: URL) throws -> ManifestVerificationReport {
        let manifest = try RunManifest(contentsOfDirectory: directory)
        var report = ManifestVerificationReport()
        var listed: Set<String> = [RunManifest.fileName]

        for record in manifest.outputs {
            listed.insert(record.path)
            check(record, at: directory.appendingPathComponent(record.path), into: &report)
        }
        for record in manifest.inputs {
            let url =
                record.path.hasPrefix("/")
                ? URL(fileURLWithPath: record.path) : directory.appendingPathComponent(record.path)
            check(record, at: url, into: &report)
        }
        // Follow the history while each link is intact.
        var link = manifest.previous
        while let record = link, !listed.contains(record.path) {
            listed.insert(record.path)
            let url = directory.appendingPathComponent(record.path)
            guard check(record, at: url, into: &report) else { break }
            link = (try? RunManifest(contentsOf: url))?.previous
        }

        let base = directory.standardizedFileURL.path
        let inputsInside = manifest.inputs.compactMap { record -> String? in
            record.path.hasPrefix(base + "/") ? String(record.path.dropFirst(base.count + 1)) : nil
        }
        listed.formUnion(inputsInside)
        report.unlisted = regularFiles(in: directory).filter { !listed.contains($0) }.sorted()
        return report
    }

    /// Compares the file at `url` with `record`, adding the outcome to `report`.
    /// - Returns: Whether the file matches.
    @discardableResult
    private static func check(
        _ record: FileRecord, at url: URL, into report: inout ManifestVerificationReport
    ) -> Bool {
        guard FileManager.default.fileExists(atPath: url.path),
            let actual = try? SHA256.hex(ofFile: url)
        else {
            report.missing.append(record.path)
            return false
        }
        guard actual == record.sha256 else {
            report.changed.append(
                .init(path: record.path, expectedSHA256: record.sha256, actualSHA256: actual))
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
