import Foundation
import LoupeSupport

/// Runs mutated cases through their targets' entry points in this process.
///
/// Case `i` belongs to target `i % targets.count` and draws its mutations from
/// `FuzzRandom(runSeed:caseIndex:)`, so it can be replayed alone. Before each case is read,
/// its mutated file is in `root/cases/<format>/` and `root/current-case.txt` says which case it
/// is: after a crash, that file and folder are the reproducer (`scripts/fuzz.sh` prints them).
struct FuzzRun {
    /// A thrown error that breaks the error convention: not a `LoupeError`, or not one line.
    struct Finding: CustomStringConvertible {
        var format: String
        var caseIndex: Int
        /// The error's type, or the broken rule: findings are reported once per format and kind.
        var kind: String
        var problem: String
        var description: String { "\(format) (case \(caseIndex)): \(problem)" }
    }

    /// Per format: cases read without error and cases rejected with an error.
    struct Tally {
        var accepted = 0
        var rejected = 0
        /// Time spent reading, to see which formats a run's time goes to.
        var seconds = 0.0
    }

    let root: URL
    let runSeed: UInt64
    let targets: [FuzzTarget]
    /// Print every case's outcome (`LOUPE_FUZZ_VERBOSE=1`), to see what the mutations reach.
    var verbose = false
    private(set) var findings: [Finding] = []
    private(set) var tallies: [String: Tally] = [:]
    /// Which seed's fixed files each case folder holds now.
    private var writtenSeeds: [String: [String: [UInt8]]] = [:]

    init(root: URL, runSeed: UInt64, targets: [FuzzTarget]) {
        self.root = root
        self.runSeed = runSeed
        self.targets = targets
    }

    /// The file that names the case being read.
    var currentCaseFile: URL { root.appendingPathComponent("current-case.txt") }

    /// Runs case `index`; a crash ends the process with `current-case.txt` naming the case.
    mutating func runCase(_ index: Int, replayHint: String) throws {
        let target = targets[index % targets.count]
        var random = FuzzRandom(runSeed: runSeed, caseIndex: index)
        let (seed, bytes) = target.mutatedCase(random: &random)
        let folder = root.appendingPathComponent("cases/\(target.name)", isDirectory: true)
        if writtenSeeds[target.name] != seed.fixed {
            try? FileManager.default.removeItem(at: folder)
            folders = folders.filter { !$0.hasPrefix(folder.path) }
            for (path, fixed) in seed.fixed { try write(fixed, to: folder.appendingPathComponent(path)) }
            writtenSeeds[target.name] = seed.fixed
        }
        let file = folder.appendingPathComponent(seed.path)
        try write(bytes, to: file)
        try write(
            Array(
                """
                format: \(target.name)
                run seed: \(runSeed)
                case: \(index)
                mutated file: \(file.path)
                case folder: \(folder.path)
                replay: \(replayHint.isEmpty ? "" : replayHint + " ")LOUPE_FUZZ_SEED=\(runSeed) LOUPE_FUZZ_CASE=\(index) scripts/fuzz.sh

                """.utf8), to: currentCaseFile)
        let start = Date()
        defer { tallies[target.name, default: Tally()].seconds += Date().timeIntervalSince(start) }
        do {
            try target.read(folder, file)
            tallies[target.name, default: Tally()].accepted += 1
            if verbose { print("\(target.name) \(index): accepted") }
        } catch {
            tallies[target.name, default: Tally()].rejected += 1
            if verbose { print("\(target.name) \(index): \(String(describing: error).prefix(200))") }
            if let problem = Self.conventionViolation(error) {
                findings.append(
                    Finding(format: target.name, caseIndex: index, kind: "\(type(of: error))", problem: problem))
            }
        }
    }

    /// Why `error` breaks the convention (a `LoupeError` with a non-empty one-line
    /// description), or nil when it keeps it.
    static func conventionViolation(_ error: any Error) -> String? {
        guard let loupeError = error as? any LoupeError else {
            return "\(type(of: error)) is not a LoupeError: \(String(describing: error).prefix(300))"
        }
        let text = loupeError.description
        if text.isEmpty { return "\(type(of: error)) with an empty description" }
        if text.contains(where: \.isNewline) {
            return "\(type(of: error)) description spans lines: \(text.prefix(300).debugDescription)"
        }
        return nil
    }

    /// Folders known to exist, so a case costs one write of the mutated file and one of
    /// `current-case.txt`.
    private var folders: Set<String> = []

    private mutating func write(_ bytes: [UInt8], to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        if !folders.contains(folder.path) {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            folders.insert(folder.path)
        }
        try Data(bytes).write(to: url)
    }
}
