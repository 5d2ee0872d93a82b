import Foundation
import XCTest

/// Mutation fuzzing of every format Loupe reads, through the entry points the CLI uses.
///
/// The CI run reads 20,000 mutated files; a crash fails the run, and so does an error that is
/// not a one-line `LoupeError`. Environment:
/// - `LOUPE_FUZZ_CASES=N`: run N cases (the long mode; `scripts/fuzz.sh N`);
/// - `LOUPE_FUZZ_SEED=S`: another run seed (default 12), for other cases;
/// - `LOUPE_FUZZ_CASE=I`: replay case I alone (with the same seed and formats);
/// - `LOUPE_FUZZ_FORMATS=a,b`: only these formats (names as in the summary);
/// - `LOUPE_FUZZ_VERBOSE=1`: print every case's outcome;
/// - `LOUPE_FUZZ_DIR`: where cases are written (default: `/dev/shm/loupe-fuzz-<pid>`, or
///   `loupe-fuzz-<pid>` in the temp folder without `/dev/shm`: one folder per test process, so
///   test runs side by side do not delete each other's cases; removed after a run without crash).
///
/// Sizes claimed by mutated files are checked against a memory budget of 256 MiB during the
/// run (`LOUPE_MEMORY_BUDGET`), far above what the tiny seeds need.
final class MutationFuzzTests: XCTestCase {
    static let defaultCases = 20_000
    static let defaultSeed: UInt64 = 12
    static let budget = "256M"

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// `/dev/shm/loupe-fuzz-<pid>` where there is a memory file system (a case writes two
    /// small files, which a busy disk makes the slowest part of a run), else the temp folder's.
    static var defaultDirectory: String {
        let name = "loupe-fuzz-\(ProcessInfo.processInfo.processIdentifier)"
        return FileManager.default.isWritableFile(atPath: "/dev/shm")
            ? "/dev/shm/" + name : FileManager.default.temporaryDirectory.appendingPathComponent(name).path
    }

    /// The environment variable that makes the test run the cases itself: set for the child
    /// process the test starts.
    static let inProcessVariable = "LOUPE_FUZZ_IN_PROCESS"

    /// Runs the cases in a child process (this test, with `LOUPE_FUZZ_IN_PROCESS=1`), so a
    /// crash fails this test with the case that caused it instead of ending the whole test run.
    func testMutatedFilesNeverCrashAndFailWithOneLoupeErrorLine() throws {
        try runInChildProcess(test: "testMutatedFilesNeverCrashAndFailWithOneLoupeErrorLine") {
            try self.runCasesInThisProcess()
        }
    }

    /// The ONNX reader on its own: 10,000 mutated models (whole files, a tensor or a node in a
    /// valid model, external data), every one read or refused with one `ONNXError` line.
    func testMutatedONNXModelsNeverCrashAndFailWithOneLoupeErrorLine() throws {
        try runInChildProcess(test: "testMutatedONNXModelsNeverCrashAndFailWithOneLoupeErrorLine") {
            try self.runCasesInThisProcess(formats: FuzzCorpus.onnxFormats, defaultCases: Self.onnxCases)
        }
    }

    static let onnxCases = 10_000

    /// Runs `test` again in a child process that calls `run` (or calls `run` here when this is
    /// the child, or a runner this test cannot start), and fails with the case a crash names.
    func runInChildProcess(test: String, _ run: () throws -> Void) throws {
        if environment[Self.inProcessVariable] != nil {
            return try run()
        }
        guard let child = Self.childInvocation(test: test) else {
            return try run()  // an XCTest runner this test does not know how to start
        }
        let root = environment["LOUPE_FUZZ_DIR"] ?? Self.defaultDirectory
        let process = Process()
        process.executableURL = child.executable
        process.arguments = child.arguments
        process.environment = environment.merging([Self.inProcessVariable: "1", "LOUPE_FUZZ_DIR": root]) { _, new in new
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = text.split(separator: "\n")
        for line in lines where line.hasPrefix("fuzz: ") { print(line) }

        if process.terminationReason == .uncaughtSignal {
            let current = (try? String(contentsOfFile: root + "/current-case.txt", encoding: .utf8)) ?? "(no case file)"
            // The fatal error and the crashing thread's frames in Loupe's sources.
            let fatal =
                lines.filter { $0.contains("Fatal error") || $0.contains("crashed") }.prefix(3)
                + lines.filter { $0.contains("/Sources/") }.prefix(8)
            XCTFail(
                "fuzzing crashed (signal \(process.terminationStatus)) reading this case; its files stay in the case folder:\n\(current)\(fatal.joined(separator: "\n"))"
            )
        } else {
            // The child's own failures (findings), passed on one per line.
            let failures = lines.filter { $0.contains(": error: ") }.map {
                $0.components(separatedBy: " : failed - ").last!
            }
            for failure in failures { XCTFail(String(failure)) }
            XCTAssertEqual(
                process.terminationStatus == 0, failures.isEmpty,
                "child exited \(process.terminationStatus):\n\(text.suffix(2000))")
            if environment["LOUPE_FUZZ_DIR"] == nil { try? FileManager.default.removeItem(atPath: root) }
        }
    }

    /// How to run one test of this bundle in a new process: the Linux test executable takes
    /// `Module.Class/test`; Apple's `xctest` takes `-XCTest Module.Class/test bundle`.
    static func childInvocation(test: String) -> (executable: URL, arguments: [String])? {
        let name = "LoupeFuzzTests.MutationFuzzTests/\(test)"
        let executable = URL(fileURLWithPath: CommandLine.arguments[0])
        if executable.lastPathComponent == "xctest", CommandLine.arguments.count > 1 {
            return (executable, ["-XCTest", name, CommandLine.arguments.last!])
        }
        guard executable.lastPathComponent.hasSuffix(".xctest") else { return nil }
        return (executable, [name])
    }

    /// Reads every case through its entry point here; a crash ends this process.
    ///
    /// - Parameters:
    ///   - formats: the formats to fuzz when `LOUPE_FUZZ_FORMATS` does not say; all when nil.
    ///   - defaultCases: the cases to run when `LOUPE_FUZZ_CASES` does not say.
    func runCasesInThisProcess(formats: Set<String>? = nil, defaultCases: Int = MutationFuzzTests.defaultCases) throws {
        let caseCount = try environment["LOUPE_FUZZ_CASES"].map { try XCTUnwrap(Int($0), "LOUPE_FUZZ_CASES") }
        let runSeed = try environment["LOUPE_FUZZ_SEED"].map { try XCTUnwrap(UInt64($0), "LOUPE_FUZZ_SEED") }
        let replayed = try environment["LOUPE_FUZZ_CASE"].map { try XCTUnwrap(Int($0), "LOUPE_FUZZ_CASE") }
        let root = URL(fileURLWithPath: environment["LOUPE_FUZZ_DIR"] ?? Self.defaultDirectory, isDirectory: true)
        try? FileManager.default.removeItem(at: root.appendingPathComponent("cases"))

        var targets = try FuzzCorpus.targets(scratch: root.appendingPathComponent("seeds"))
        var replayHint = ""
        if let formats, environment["LOUPE_FUZZ_FORMATS"] == nil {
            targets = targets.filter { formats.contains($0.name) }
            replayHint = "LOUPE_FUZZ_FORMATS=\(formats.sorted().joined(separator: ","))"
        }
        if let formats = environment["LOUPE_FUZZ_FORMATS"] {
            let names = Set(formats.split(separator: ",").map(String.init))
            let unknown = names.subtracting(targets.map(\.name))
            XCTAssertTrue(unknown.isEmpty, "unknown formats \(unknown.sorted()); known: \(targets.map(\.name))")
            targets = targets.filter { names.contains($0.name) }
            replayHint = "LOUPE_FUZZ_FORMATS=\(formats)"
        }
        XCTAssertFalse(targets.isEmpty)

        let savedBudget = environment["LOUPE_MEMORY_BUDGET"]
        setenv("LOUPE_MEMORY_BUDGET", Self.budget, 1)
        defer {
            if let savedBudget {
                setenv("LOUPE_MEMORY_BUDGET", savedBudget, 1)
            } else {
                unsetenv("LOUPE_MEMORY_BUDGET")
            }
        }

        var run = FuzzRun(root: root, runSeed: runSeed ?? Self.defaultSeed, targets: targets)
        print("fuzz: if this process crashes, \(run.currentCaseFile.path) names the case and how to replay it")
        run.verbose = environment["LOUPE_FUZZ_VERBOSE"] != nil
        let indices = replayed.map { $0...$0 } ?? 0...(caseCount ?? defaultCases) - 1
        for index in indices {
            try run.runCase(index, replayHint: replayHint)
        }
        // No crash: nothing to keep.
        for leftover in [
            run.currentCaseFile, root.appendingPathComponent("cases"), root.appendingPathComponent("seeds"),
        ] {
            try? FileManager.default.removeItem(at: leftover)
        }

        let summary = run.tallies.sorted { $0.key < $1.key }.map {
            "\($0.key) \($0.value.rejected)/\($0.value.accepted) \(String(format: "%.1fs", $0.value.seconds))"
        }
        print(
            "fuzz: \(indices.count) cases, seed \(run.runSeed); rejected/accepted per format: \(summary.joined(separator: ", "))"
        )
        // One failure per format and error type, with the first case that showed it.
        var reported: Set<String> = []
        for finding in run.findings where reported.insert("\(finding.format) \(finding.kind)").inserted {
            XCTFail("\(finding)")
        }
    }

    /// Every seed is valid: the unmutated file reads without error, so mutations start from
    /// files that reach the parsers' deep paths.
    func testEverySeedReads() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-fuzz-seeds-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        for target in try FuzzCorpus.targets(scratch: root.appendingPathComponent("seeds")) {
            XCTAssertFalse(target.seeds.isEmpty, target.name)
            for (number, seed) in target.seeds.enumerated() {
                let folder = root.appendingPathComponent("\(target.name)-\(number)", isDirectory: true)
                for (path, bytes) in seed.fixed.merging([seed.path: seed.file], uniquingKeysWith: { $1 }) {
                    let url = folder.appendingPathComponent(path)
                    try FileManager.default.createDirectory(
                        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try Data(bytes).write(to: url)
                }
                XCTAssertNoThrow(
                    try target.read(folder, folder.appendingPathComponent(seed.path)), "\(target.name) seed \(number)")
            }
        }
    }

    /// The same seed and case index give the same mutation; other indices give others.
    func testMutationsAreDeterministicPerCase() throws {
        let input = Array("{\"a\": [1, 2, 3], \"b\": {\"c\": \"x\"}, \"d\": 4.5e3}\n".utf8)
        for style in [Mutator.Style.binary, .text] {
            var outputs: Set<[UInt8]> = []
            for index in 0..<200 {
                var first = FuzzRandom(runSeed: 12, caseIndex: index)
                var second = FuzzRandom(runSeed: 12, caseIndex: index)
                let a = Mutator.mutate(input, other: Array("zz".utf8), style: style, random: &first)
                XCTAssertEqual(a, Mutator.mutate(input, other: Array("zz".utf8), style: style, random: &second))
                outputs.insert(a)
            }
            XCTAssertGreaterThan(outputs.count, 150, "\(style) mutations should vary between cases")
        }
    }

    func testJSONKeyDeletionRemovesOnePairWithItsValue() {
        let input = Array(#"{"a": [1, {"x": 2}], "b": "s,}", "c": 3}"#.utf8)
        var results: Set<String> = []
        for index in 0..<64 {
            var random = FuzzRandom(runSeed: 1, caseIndex: index)
            var bytes = input
            Mutator.deleteJSONKey(&bytes, random: &random)
            results.insert(String(decoding: bytes, as: UTF8.self))
        }
        XCTAssertEqual(
            results,
            [
                #"{"b": "s,}", "c": 3}"#, #"{"a": [1, {}], "b": "s,}", "c": 3}"#, #"{"a": [1, {"x": 2}], "c": 3}"#,
                #"{"a": [1, {"x": 2}], "b": "s,}"}"#,
            ])
    }

    func testNumberReplacementReplacesAWholeNumber() {
        var seen: Set<String> = []
        for index in 0..<400 {
            var random = FuzzRandom(runSeed: 3, caseIndex: index)
            var bytes = Array("[-12.5e3]".utf8)
            Mutator.replaceNumber(&bytes, random: &random)
            seen.insert(String(decoding: bytes, as: UTF8.self))
        }
        XCTAssertTrue(seen.contains("[NaN]"))
        XCTAssertTrue(seen.contains("[9223372036854775808]"))
        XCTAssertTrue(seen.allSatisfy { $0.hasPrefix("[") && $0.hasSuffix("]") && !$0.contains("12.5") })
    }

    func testContainersMatchTheFormats() throws {
        XCTAssertEqual(Containers.crc32(Array("123456789".utf8)), 0xCBF4_3926)
        let payload = (0..<70_000).map { UInt8(truncatingIfNeeded: $0) }
        let gzip = Containers.gzip(payload)
        XCTAssertEqual(Array(gzip.prefix(3)), [0x1F, 0x8B, 8])
        XCTAssertEqual(gzip.count, 10 + 2 * 5 + payload.count + 8)
        let header = Array(#"{"a":1}"#.utf8)
        let parts = try XCTUnwrap(Containers.safetensorsParts(Containers.safetensors(header: header, body: [1, 2])))
        XCTAssertEqual(parts.header, header)
        XCTAssertEqual(parts.body, [1, 2])
    }
}
