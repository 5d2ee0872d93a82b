import Foundation
import XCTest

/// `loupe difficulty` split among shard tasks over one run folder: its work units are the main
/// training run, EL2N's extra runs and confident learning's fold models. Tasks run as
/// concurrent processes (one twice at once), then collected, give the outputs of the same
/// command on one machine byte for byte.
final class ShardedDifficultyTests: CLITestCase {
    /// 6 work units: the main run, EL2N runs 1 and 2, confident-learning folds 0 to 2.
    let difficulty = [
        "difficulty", "--model", "mlp", "--hidden", "16", "--epochs", "2", "--el2n-seeds", "3", "--cl-folds", "3",
        "--threads", "1",
    ]

    /// Runs each argument list as its own `loupe` process, all at once; returns each status
    /// and what it printed (to files, so that no pipe fills).
    private func runAtOnce(_ runs: [[String]]) throws -> [Result] {
        var processes: [(Process, URL, URL)] = []
        for (number, arguments) in runs.enumerated() {
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
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

    private func regularFiles(_ run: String) -> [String: Data] {
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

    private func manifest(_ run: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(
            with: Data(contentsOf: workDirectory.appendingPathComponent("\(run)/manifest.json"))) as! [String: Any]
    }

    private func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent(path).path)
    }

    func testShardedDifficultyIsByteIdenticalToOneMachine() throws {
        let single = try loupe(arguments: difficulty + ["--out", "single"])
        XCTAssertEqual(single.status, 0, single.stderr)
        for unit in ["main", "el2n-1", "el2n-2", "cl-fold-0", "cl-fold-1", "cl-fold-2"] {
            XCTAssertTrue(exists("single/units/\(unit)/unit.json"), unit)
        }
        XCTAssertFalse(exists("single/units/el2n-0"), "EL2N's first seed is the main run's")

        // Three shards of the 6 units, shard 1 run twice at once, as a retried or preempted
        // task would be.
        let tasks = try runAtOnce(
            ["0/3", "1/3", "2/3", "1/3"].map { difficulty + ["--out", "sharded", "--shard", $0] })
        for task in tasks { XCTAssertEqual(task.status, 0, task.stderr) }
        XCTAssertTrue(tasks[0].stdout.contains("shard 0/3: 2 of 6 work units"), tasks[0].stdout)
        for name in ["difficulty.csv", "scores", "deciles.csv", "difficulty.html", "manifest.json"] {
            XCTAssertFalse(exists("sharded/\(name)"), name)
        }

        let collect = try loupe(arguments: difficulty + ["--out", "sharded", "--collect"])
        XCTAssertEqual(collect.status, 0, collect.stderr)

        let oneMachine = regularFiles("single")
        let sharded = regularFiles("sharded")
        XCTAssertEqual(Set(sharded.keys), Set(oneMachine.keys), "the same files, and no shard records left")
        for (path, data) in oneMachine where path != "manifest.json" {
            XCTAssertEqual(sharded[path], data, "\(path) differs")
        }
        let (a, b) = (try manifest("single"), try manifest("sharded"))
        for key in ["outputs", "inputs", "configuration", "seeds", "rerun", "threadCount"] {
            XCTAssertEqual(
                try JSONSerialization.data(withJSONObject: [a[key]!], options: .sortedKeys),
                try JSONSerialization.data(withJSONObject: [b[key]!], options: .sortedKeys), key)
        }
        let outputs = try XCTUnwrap(a["outputs"] as? [[String: Any]]).compactMap { $0["path"] as? String }
        XCTAssertTrue(outputs.contains("units/cl-fold-2/probabilities.npy"), "\(outputs)")
        let shards = try XCTUnwrap(b["shards"] as? [[String: Any]])
        XCTAssertEqual(shards.map { $0["shard"] as? String }, ["0/3", "1/3", "1/3", "2/3"])
        XCTAssertEqual(
            Set(shards.flatMap { ($0["madeSeconds"] as? [String: Double] ?? [:]).keys }),
            [
                "main run", "el2n run 1", "el2n run 2", "confident-learning fold 0", "confident-learning fold 1",
                "confident-learning fold 2",
            ])
        XCTAssertNil(a["shards"])
        for run in ["single", "sharded"] {
            let verify = try loupe("verify", run)
            XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        }
    }

    /// A collect before every unit is there names the missing and damaged units and their
    /// shards and writes nothing; the plain command then makes only those and reuses the rest;
    /// units made with other settings are made again.
    func testIncompleteCollectAndReuse() throws {
        let task = try loupe(arguments: difficulty + ["--out", "run", "--shard", "1/3"])
        XCTAssertEqual(task.status, 0, task.stderr)
        XCTAssertTrue(task.stdout.contains("shard 1/3: 2 of 6 work units"), task.stdout)
        // A damaged unit: one of its files changed after it was recorded.
        let logits = workDirectory.appendingPathComponent("run/units/el2n-1/logits.npy")
        var bytes = try Data(contentsOf: logits)
        bytes[bytes.count - 1] ^= 1
        try bytes.write(to: logits)

        let early = try loupe(arguments: difficulty + ["--out", "run", "--collect", "--shards", "3"])
        assertFailsCleanly(
            early,
            mentioning: [
                "5 of 6 work units are missing or damaged", "main run (shard 0/3) missing",
                "el2n run 1 (shard 1/3) damaged", "el2n run 2 (shard 2/3) missing",
                "confident-learning fold 0 (shard 0/3) missing", "confident-learning fold 2 (shard 2/3) missing",
                "sbatch --array=0,1,2",
            ])
        XCTAssertFalse(early.stderr.contains("confident-learning fold 1"), early.stderr)
        for name in ["difficulty.csv", "scores", "deciles.csv", "difficulty.html", "manifest.json"] {
            XCTAssertFalse(exists("run/\(name)"), name)
        }

        // The plain command makes the missing and damaged units, reuses fold 1, and collects.
        let plain = try loupe(arguments: difficulty + ["--out", "run"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertTrue(plain.stdout.contains("confident-learning fold 1: verified, reused"), plain.stdout)
        XCTAssertFalse(plain.stdout.contains("el2n run 1: verified, reused"), plain.stdout)
        XCTAssertEqual(try (manifest("run")["shards"] as? [Any])?.count, 1)
        XCTAssertEqual(try loupe("verify", "run").status, 0)

        // Another early epoch changes the main run and EL2N's runs, not the fold models.
        let again = try loupe(arguments: difficulty + ["--out", "run", "--early-epoch", "2"])
        XCTAssertEqual(again.status, 0, again.stderr)
        for fold in 0..<3 {
            XCTAssertTrue(again.stdout.contains("confident-learning fold \(fold): verified, reused"), again.stdout)
        }
        XCTAssertFalse(again.stdout.contains("main run: verified"), again.stdout)
        XCTAssertFalse(again.stdout.contains("el2n run 2: verified"), again.stdout)
        XCTAssertEqual(try loupe("verify", "run").status, 0)
    }

    func testShardOptionsNeedATrainingRun() throws {
        assertFailsCleanly(
            try loupe("difficulty", "--checkpoints", "somewhere", "--collect", "--out", "x"),
            mentioning: ["--collect", "training run"])
        XCTAssertFalse(exists("x"))
    }
}
