import Foundation
import XCTest

/// Runs every case of the hostile-input corpus in `HostileInputs/` through the built `loupe`.
///
/// A case is a folder holding small input files and a `case.json`:
/// `{"arguments": ["train", "--data", "{case}/bad.csv", "--out", "{out}"], "expected": ["bad.csv",
/// "byte-order mark"], "note": "what the case is"}`. `{case}` becomes a fresh copy of the folder
/// in the test's work directory and `{out}` a path there that does not exist yet. Each case must
/// fail cleanly: a non-zero exit and no signal, exactly one `Error:` line containing every
/// `expected` fragment, `{out}` not created, and the copied folder unchanged (no file altered,
/// added or removed). New case folders are picked up without touching this file.
final class HostileInputTests: CLITestCase {
    /// The corpus folder in the source tree.
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("HostileInputs", isDirectory: true)

    /// One case's `case.json`.
    struct HostileCase: Decodable {
        var arguments: [String]
        var expected: [String]
        var note: String
    }

    func testEveryHostileInputFailsCleanly() throws {
        let names = try Self.caseNames()
        XCTAssertFalse(names.isEmpty, "no case folders in \(Self.corpus.path)")
        for name in names {
            let description: HostileCase
            do { description = try Self.loadCase(Self.corpus.appendingPathComponent(name)) } catch {
                XCTFail("\(error)")
                continue
            }
            try run(description, caseNamed: name)
        }
    }

    /// The case folders, sorted.
    static func caseNames() throws -> [String] {
        let entries = try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted()
        return entries.filter { entry in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(
                atPath: corpus.appendingPathComponent(entry).path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }
    }

    /// Loads a case description, failing with the case name when it is malformed.
    static func loadCase(_ folder: URL) throws -> HostileCase {
        let file = folder.appendingPathComponent("case.json")
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw CorpusError(problem: "\(file.path): missing or unreadable case.json")
        }
        let description: HostileCase
        do { description = try JSONDecoder().decode(HostileCase.self, from: data) } catch {
            throw CorpusError(problem: "\(file.path): malformed case.json: \(error)")
        }
        guard !description.arguments.isEmpty, !description.expected.isEmpty,
            !description.note.trimmingCharacters(in: .whitespaces).isEmpty
        else {
            throw CorpusError(problem: "\(file.path): arguments, expected and note must not be empty")
        }
        return description
    }

    struct CorpusError: Error, CustomStringConvertible {
        var problem: String
        var description: String { problem }
    }

    /// Copies the case, runs it and checks that it fails cleanly and touches nothing.
    func run(_ description: HostileCase, caseNamed name: String) throws {
        let copy = workDirectory.appendingPathComponent("case-\(name)", isDirectory: true)
        let out = workDirectory.appendingPathComponent("out-\(name)")
        try FileManager.default.copyItem(at: Self.corpus.appendingPathComponent(name), to: copy)
        let before = try Self.snapshot(of: copy)
        let arguments = description.arguments.map {
            $0.replacingOccurrences(of: "{case}", with: copy.path).replacingOccurrences(of: "{out}", with: out.path)
        }

        let result = try loupe(arguments: arguments)
        let context = "case \(name) (\(description.note)): loupe \(arguments.joined(separator: " "))\n\(result.stderr)"
        XCTAssertNotEqual(result.status, 0, "expected failure; \(context)")
        XCTAssertFalse(result.terminatedBySignal, "terminated by signal \(result.status); \(context)")
        XCTAssertFalse(result.stderr.contains("Fatal error"), context)
        let errorLines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        XCTAssertEqual(errorLines.count, 1, "expected exactly one Error: line; \(context)")
        for fragment in description.expected {
            XCTAssertTrue(errorLines.first?.contains(fragment) ?? false, "'\(fragment)' not in the error; \(context)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "\(out.path) was created; \(context)")
        let after = try Self.snapshot(of: copy)
        XCTAssertEqual(
            Set(after.keys), Set(before.keys), "files added to or removed from the case folder; \(context)")
        for (path, contents) in before where after[path] != nil && after[path] != contents {
            XCTFail("\(path) changed; \(context)")
        }
    }

    /// Every entry under `folder` by relative path: a file's bytes, or nil for a directory.
    static func snapshot(of folder: URL) throws -> [String: Data?] {
        var entries: [String: Data?] = [:]
        let root = folder.resolvingSymlinksInPath().path
        guard let enumerator = FileManager.default.enumerator(atPath: root) else {
            throw CorpusError(problem: "\(root): cannot list")
        }
        while let relative = enumerator.nextObject() as? String {
            let path = root + "/" + relative
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            entries[relative] = isDirectory.boolValue ? .some(nil) : .some(FileManager.default.contents(atPath: path))
        }
        return entries
    }

    /// The snapshot sees added, removed and altered files, so a case that writes into its
    /// folder fails.
    func testSnapshotSeesAddedRemovedAndChangedFiles() throws {
        let folder = workDirectory.appendingPathComponent("snapshot", isDirectory: true)
        _ = try write(Data("a".utf8), to: "snapshot/a.txt")
        _ = try write(Data("b".utf8), to: "snapshot/sub/b.txt")
        let before = try Self.snapshot(of: folder)
        XCTAssertEqual(Set(before.keys), ["a.txt", "sub", "sub/b.txt"])
        _ = try write(Data("c".utf8), to: "snapshot/sub/b.txt")
        XCTAssertNotEqual(try Self.snapshot(of: folder)["sub/b.txt"], before["sub/b.txt"])
        _ = try write(Data("new".utf8), to: "snapshot/sub/new.tmp")
        XCTAssertNotEqual(Set(try Self.snapshot(of: folder).keys), Set(before.keys))
    }

    /// Every case folder holds a well-formed `case.json` (a malformed one fails loudly).
    func testMalformedCaseIsReported() throws {
        let folder = workDirectory.appendingPathComponent("malformed", isDirectory: true)
        _ = try write(Data(#"{"arguments": ["train"], "expected": "bad"}"#.utf8), to: "malformed/case.json")
        XCTAssertThrowsError(try Self.loadCase(folder)) { error in
            XCTAssertTrue("\(error)".contains("malformed case.json"), "\(error)")
        }
        XCTAssertThrowsError(try Self.loadCase(workDirectory.appendingPathComponent("absent"))) { error in
            XCTAssertTrue("\(error)".contains("missing"), "\(error)")
        }
    }
}
