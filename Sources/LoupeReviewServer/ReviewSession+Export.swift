import Foundation
import LoupeReview
import LoupeSupport
import LoupeWorkflows

extension ReviewSession {
    /// Writes the verdict log as CSV to `file`, and beside it `verdicts.jsonl`,
    /// `label-overrides.csv` (`id,label,split`, for `--label-overrides`), `agreement.json` and
    /// `manifest.json` (the reviewed tables as inputs); returns the names written.
    ///
    /// Every record is checked first (``VerdictStore/checkedLog()``): a record the review
    /// could not have made (an example not of the reviewed data, a suggested label that is no
    /// class) stops the export with one line naming the database and the record, before any
    /// file is written.
    public func export(to file: URL) async throws -> [String] {
        let folder = file.deletingLastPathComponent()
        let name = file.lastPathComponent
        guard name.lowercased().hasSuffix(".csv") else {
            throw OptionError("--export: name a .csv file (the other exports are written beside it), got \(name)")
        }
        let companions = ["verdicts.jsonl", "label-overrides.csv", "agreement.json", "manifest.json"]
        guard !companions.contains(name) else {
            throw OptionError("--export: \(name) is one of the files written beside the export; choose another name")
        }
        // The export is a run of its own, with its own manifest: inside a reviewed run's
        // folder it replaced that run's manifest (and could replace its cie.csv).
        let target = folder.standardizedFileURL.resolvingSymlinksInPath().path
        for reviewed in sources.folders {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: reviewed, isDirectory: &isFolder), isFolder.boolValue else {
                continue
            }
            let root = URL(fileURLWithPath: reviewed).standardizedFileURL.resolvingSymlinksInPath().path
            if target == root || target.hasPrefix(root + "/") {
                throw OptionError(
                    "--export: \(file.path) is inside the reviewed folder \(reviewed); write the export to a folder of its own"
                )
            }
        }
        // Checked before anything is written: a record of other examples or of a label that
        // is no class (an edited database, or one of other data) is refused, not exported.
        let records = try await store.checkedLog()
        let current = CurrentVerdicts(log: records)
        struct ManifestConfiguration: Encodable {
            var folders: [String]
            var database: String
            var data: String
            var split: String
        }
        var directory = try RunDirectory(
            path: folder.relativePath,
            configuration: ManifestConfiguration(
                folders: sources.folders, database: configuration.databaseFile.path, data: data.description,
                split: split.rawValue),
            seeds: [:])
        let tables = sources.folders.flatMap { folder in
            ["cie.csv", "difficulty.csv"].map { URL(fileURLWithPath: folder).appendingPathComponent($0) }
                .filter { FileManager.default.fileExists(atPath: $0.path) }
        }
        let files = sources.folders.map(URL.init(fileURLWithPath:)).filter {
            !$0.hasDirectoryPath && $0.pathExtension == "csv"
        }
        // The database stays live (reviewers go on, SQLite checkpoints it): the log it held is
        // the export itself, and its path is in the configuration.
        try directory.recordInputs(tables + files)
        try AtomicFile.write(Data(VerdictExport.csv(records).utf8), to: directory.output(name))
        try AtomicFile.write(Data(VerdictExport.jsonLines(records).utf8), to: directory.output("verdicts.jsonl"))
        try AtomicFile.write(
            Data(VerdictExport.labelOverrides(current).csv(split: split.rawValue).utf8),
            to: directory.output("label-overrides.csv"))
        try AtomicFile.write(
            try DeterministicJSON.encode(Agreement(current)), to: directory.output("agreement.json"))
        try directory.finish()
        return [name] + companions.dropLast()
    }

    /// ``export(to:)`` from synchronous code.
    public func exportBlocking(to file: URL) throws -> [String] {
        try waitFor { try await self.export(to: file) }
    }
}
