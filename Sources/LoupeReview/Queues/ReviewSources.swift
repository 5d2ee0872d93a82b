import Foundation
import LoupeSupport

/// What a review works through, read from output folders: an audit's (`cie.csv`), a difficulty
/// or label-noise run's (`difficulty.csv`), or a CSV file with an `id` and score columns.
public struct ReviewSources: Sendable {
    /// The queues, in the order the folders were given.
    public var queues: [ReviewQueue] = []
    /// Per example id, every audited variant's outcome.
    public var populations: [Int: [PopulationOutcome]] = [:]
    /// Per example id, its difficulty scores by name.
    public var difficulty: [Int: [String: Double]] = [:]
    /// The split the ids refer to (`test` or `train`) when a folder says; `nil` when none does.
    public var split: String?
    /// The folders and files read.
    public var folders: [String] = []

    public init() {}

    /// Reads each output folder (or CSV file) in turn.
    ///
    /// - Throws: `InputError` naming the folder or file: nothing to review in it, a malformed
    ///   table, or folders that refer to different splits.
    public static func read(_ urls: [URL]) throws -> ReviewSources {
        var sources = ReviewSources()
        var splitSource: String?
        for url in urls {
            let found = try sources.add(url)
            guard let found else { continue }
            if let split = sources.split, split != found, let splitSource {
                throw InputError(
                    source: url.path,
                    problem:
                        "its examples are the \(found) split, those of \(splitSource) the \(split) split: review them separately"
                )
            }
            (sources.split, splitSource) = (found, url.path)
        }
        var seen: [String: Int] = [:]
        for index in sources.queues.indices {
            let name = sources.queues[index].name
            seen[name, default: 0] += 1
            if seen[name]! > 1 { sources.queues[index].name = "\(name)#\(seen[name]!)" }
        }
        return sources
    }

    /// Adds what `url` holds; returns the split its ids refer to, if it says.
    private mutating func add(_ url: URL) throws -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw InputError(source: url.path, problem: "no such folder or file")
        }
        folders.append(url.path)
        guard isDirectory.boolValue else {
            return try addScores(CSVRecords(url: url, textColumns: Self.textColumns), from: url.path)
        }
        let evaluated = RecordedCommand.of(url)?.value(of: "--evaluate")
        var split: String?
        var found = false
        let cie = url.appendingPathComponent("cie.csv")
        if FileManager.default.fileExists(atPath: cie.path) {
            split =
                try addAudit(CSVRecords(url: cie, textColumns: Self.textColumns), from: url.path) ?? evaluated ?? "test"
            found = true
        }
        let difficulty = url.appendingPathComponent("difficulty.csv")
        if FileManager.default.fileExists(atPath: difficulty.path) {
            split =
                try addDifficulty(CSVRecords(url: difficulty, textColumns: Self.textColumns), from: url.path)
                ?? evaluated ?? "train"
            found = true
        }
        guard found else {
            throw InputError(
                source: url.path, problem: "nothing to review: no cie.csv (an audit) or difficulty.csv (difficulty)")
        }
        return split
    }
}

extension ReviewSources {
    /// The columns of Loupe's tables that hold text (a variant, a path, a class name), whose
    /// formula guard (`'=x` for `=x`) is removed as they are read (``CSVTextCell``).
    static let textColumns: Set<String> = ["variant", "path", "class_name"]

    /// A column's cells as numbers; empty cells are NaN, anything else unparseable an error.
    static func numbers(_ table: CSVRecords, _ column: String, from source: String) throws -> [Double] {
        guard let index = table.columns[column] else {
            throw InputError(source: source, problem: "no column '\(column)'")
        }
        return try table.rows.enumerated().map { row, cells in
            let cell = cells[index]
            if cell.isEmpty { return .nan }
            if cell == "true" { return 1 }
            if cell == "false" { return 0 }
            guard let value = Double(cell) else {
                throw InputError(
                    source: source,
                    problem: "data row \(row + 1), column '\(column)': \(EscapedText.quoted(cell)) is not a number")
            }
            return value
        }
    }

    /// The `id` column as example ids: integers, each once.
    static func ids(_ table: CSVRecords, from source: String) throws -> [Int] {
        guard let index = table.columns["id"] else { throw InputError(source: source, problem: "no column 'id'") }
        var seen = Set<Int>()
        return try table.rows.enumerated().map { row, cells in
            guard let id = Int(cells[index]), id >= 0 else {
                throw InputError(
                    source: source,
                    problem: "data row \(row + 1): id \(EscapedText.quoted(cells[index])) is not an example id")
            }
            return id
        }.map { id in
            guard seen.insert(id).inserted else { throw InputError(source: source, problem: "id \(id) appears twice") }
            return id
        }
    }

    /// The split a `path` column names (`train/cat/1.jpg`), when every row names the same one.
    static func pathSplit(_ table: CSVRecords) -> String? {
        guard let column = table.columns["path"] else { return nil }
        let splits = Set(table.rows.map { $0[column].split(separator: "/").first.map(String.init) ?? "" })
        guard splits.count == 1, let split = splits.first, split == "train" || split == "test" else { return nil }
        return split
    }
}
