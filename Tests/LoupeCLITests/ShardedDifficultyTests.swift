import Foundation
import XCTest

/// `loupe difficulty` split among shard tasks over one run folder: its work units are the main
/// training run, EL2N's extra runs and confident learning's fold models. Tasks run as
/// concurrent processes (one twice at once), then collected, give the outputs of the same
/// command on one machine byte for byte.
final class ShardedDifficultyTests: ShardedRunTestCase {
    /// 6 work units: the main run, EL2N runs 1 and 2, confident-learning folds 0 to 2.
    let difficulty = [
        "difficulty", "--model", "mlp", "--hidden", "16", "--epochs", "2", "--el2n-seeds", "3", "--cl-folds", "3",
        "--threads", "1",
    ]

    func testShardedDifficultyIsByteIdenticalToOneMachine() throws {
        let single = try loupe(arguments: difficulty + ["--out", "single"])
        XCTAssertEqual(single.status, 0, single.stderr)
        for unit in ["main", "el2n-1", "el2n-2", "cl-fold-0", "cl-fold-1", "cl-fold-2"] {
            XCTAssertTrue(exists("single/units/\(unit)/unit.json"), unit)
        }
        XCTAssertFalse(exists("single/units/el2n-0"), "EL2N's first seed is the main run's")

        // Three shards of the 6 units, shard 1 run twice at once, as a retried or preempted
        // task would be.
        let tasks = try runConcurrently(
            ["0/3", "1/3", "2/3", "1/3"].map { (difficulty + ["--out", "sharded", "--shard", $0], [:]) })
        for task in tasks { XCTAssertEqual(task.status, 0, task.stderr) }
        XCTAssertTrue(tasks[0].stdout.contains("shard 0/3: 2 of 6 work units"), tasks[0].stdout)
        for name in ["difficulty.csv", "scores", "deciles.csv", "difficulty.html", "manifest.json"] {
            XCTAssertFalse(exists("sharded/\(name)"), name)
        }

        let collect = try loupe(arguments: difficulty + ["--out", "sharded", "--collect"])
        XCTAssertEqual(collect.status, 0, collect.stderr)

        let (a, b) = try assertSameAsOneMachine("sharded")
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

    /// `loupe plan slurm -- difficulty ...`: one task per unit, sized from the measured cost;
    /// its scripts run by bash with SLURM_ARRAY_TASK_ID per task collect to the one-machine bytes.
    func testPlannedDifficultyRunsAsSlurmWouldRunIt() throws {
        // The plan sets each task's --threads after the command, as the rerun recipe then does.
        let planned = Array(difficulty.dropLast(2))
        XCTAssertEqual(try loupe(arguments: planned + ["--out", "single", "--threads", "1"]).status, 0)
        let plan = try loupe(
            arguments: ["plan", "slurm", "--out", "plan", "--loupe", executable.path, "--"] + planned + [
                "--out", "viaslurm",
            ])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        XCTAssertTrue(plan.stdout.contains("work units: 6,"), plan.stdout)
        XCTAssertTrue(plan.stdout.contains("tasks: 6 x 1 core(s)"), plan.stdout)
        XCTAssertFalse(exists("plan/prepare.sbatch"), "a difficulty run needs nothing made first")
        let tasks = try runConcurrently(
            (0..<6).map { (["plan/array.sbatch"], ["SLURM_ARRAY_TASK_ID": String($0)]) }, program: "/bin/bash")
        for task in tasks { XCTAssertEqual(task.status, 0, task.stderr) }
        let collect = try runConcurrently([(["plan/collect.sbatch"], [:])], program: "/bin/bash")[0]
        XCTAssertEqual(collect.status, 0, collect.stderr)
        try assertSameAsOneMachine("viaslurm")

        assertFailsCleanly(
            try loupe("plan", "slurm", "--out", "plan2", "--", "difficulty", "--checkpoints", "somewhere"),
            mentioning: ["trains nothing to shard"])
        XCTAssertFalse(exists("plan2"))
    }
}
