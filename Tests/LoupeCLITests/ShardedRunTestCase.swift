import Foundation
import XCTest

/// What the tests of sharded runs share: tasks run as concurrent processes, and a sharded run
/// compared with the same command's run on one machine.
class ShardedRunTestCase: CLITestCase {
    /// Runs each argument list as its own `loupe` process, all at once; returns each status
    /// and what it printed (to files, so that no pipe fills).
    func runConcurrently(
        _ runs: [(arguments: [String], environment: [String: String])], program: String? = nil
    ) throws -> [Result] {
        var processes: [(Process, URL, URL)] = []
        for (number, run) in runs.enumerated() {
            let process = Process()
            process.executableURL = program.map { URL(fileURLWithPath: $0) } ?? executable
            process.arguments = run.arguments
            process.environment = ProcessInfo.processInfo.environment.merging(run.environment) { _, new in new }
            process.currentDirectoryURL = workDirectory
            let out = workDirectory.appendingPathComponent("task-\(number).out")
            let err = workDirectory.appendingPathComponent("task-\(number).err")
            FileManager.default.createFile(atPath: out.path, contents: nil)
            FileManager.default.createFile(atPath: err.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            try process.run()
            processes.append((process, out, err))
        }
        return try processes.map { process, out, err in
            process.waitUntilExit()
            defer {
                try? FileManager.default.removeItem(at: out)
                try? FileManager.default.removeItem(at: err)
            }
            return Result(
                status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
                stderr: try String(contentsOf: err, encoding: .utf8))
        }
    }

    func regularFiles(_ run: String) -> [String: Data] {
        let root = workDirectory.appendingPathComponent(run)
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        while let path = enumerator?.nextObject() as? String {
            if (enumerator?.fileAttributes?[.type] as? FileAttributeType) == .typeRegular {
                files[path] = FileManager.default.contents(atPath: root.appendingPathComponent(path).path)
            }
        }
        return files
    }

    func manifest(_ run: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(
            with: Data(contentsOf: workDirectory.appendingPathComponent("\(run)/manifest.json"))) as! [String: Any]
    }

    func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent(path).path)
    }

    /// Asserts that run folder `sharded` holds the files of `single`, byte for byte but for
    /// manifest.json, whose outputs, inputs, configuration, seeds, rerun recipe and thread
    /// count agree, and the measurements it lists (an audit's latencies, measured again by
    /// each run), which must be the same files; returns both manifests.
    @discardableResult
    func assertSameAsOneMachine(
        _ sharded: String, single: String = "single", file: StaticString = #filePath, line: UInt = #line
    ) throws -> (single: [String: Any], sharded: [String: Any]) {
        let oneMachine = regularFiles(single)
        let files = regularFiles(sharded)
        XCTAssertEqual(
            Set(files.keys), Set(oneMachine.keys), "the same files, and no shard records left", file: file, line: line)
        let (a, b) = (try manifest(single), try manifest(sharded))
        let measured = { (manifest: [String: Any]) in
            Set(((manifest["measurements"] as? [[String: Any]]) ?? []).map { $0["path"] as! String })
        }
        XCTAssertEqual(measured(a), measured(b), "the same measurements", file: file, line: line)
        for (path, data) in oneMachine where path != "manifest.json" && !measured(a).contains(path) {
            XCTAssertEqual(files[path], data, "\(sharded)/\(path) differs", file: file, line: line)
        }
        for key in ["outputs", "inputs", "configuration", "seeds", "rerun", "threadCount"] {
            XCTAssertEqual(
                try JSONSerialization.data(withJSONObject: [a[key]!], options: .sortedKeys),
                try JSONSerialization.data(withJSONObject: [b[key]!], options: .sortedKeys), key, file: file,
                line: line)
        }
        return (a, b)
    }
}
