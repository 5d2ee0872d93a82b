import Foundation
import XCTest

/// A run split among shard tasks (a SLURM job array, a Kubernetes Indexed Job) over one run
/// folder: tasks run as concurrent processes, one unit run twice at once, then collected, gives
/// the outputs of the same command on one machine byte for byte.
final class ShardedRunTests: ShardedRunTestCase {
    let audit = [
        "audit", "--model", "mlp", "--hidden", "16", "--members", "2", "--epochs", "1", "--variants",
        "dense,prune:0.5,int8-channel", "--threads", "1",
    ]

    func testShardedAuditIsByteIdenticalToOneMachine() throws {
        let single = try loupe(arguments: audit + ["--out", "single"])
        XCTAssertEqual(single.status, 0, single.stderr)

        // Three shards of the 4 units (dense and prune-0.50 x 2 members; int8 rides with dense),
        // with shard 1 run twice at once, as a retried or preempted task would be.
        let tasks = try runConcurrently(
            ["0/3", "1/3", "2/3", "1/3"].map { (audit + ["--out", "sharded", "--shard", $0], [:]) })
        for task in tasks { XCTAssertEqual(task.status, 0, task.stderr) }
        XCTAssertTrue(tasks[0].stdout.contains("shard 0/3: 2 of 4 work units"), tasks[0].stdout)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("sharded/cie.csv").path))
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("sharded/manifest.json").path))

        let collect = try loupe(arguments: audit + ["--out", "sharded", "--collect"])
        XCTAssertEqual(collect.status, 0, collect.stderr)

        // The manifests agree on everything but timings, the command line and where it ran.
        let (a, b) = try assertSameAsOneMachine("sharded")
        let shards = try XCTUnwrap(b["shards"] as? [[String: Any]])
        // Each task's record, the two runs of shard 1 included.
        XCTAssertEqual(shards.map { $0["shard"] as? String }, ["0/3", "1/3", "1/3", "2/3"])
        XCTAssertEqual(
            Set(
                shards.flatMap {
                    Array(($0["madeSeconds"] as? [String: Double] ?? [:]).keys) + ($0["reused"] as? [String] ?? [])
                }),
            ["dense #0", "dense #1", "prune-0.50 #0", "prune-0.50 #1", "int8-channel #0", "int8-channel #1"])
        XCTAssertNil(a["shards"])
        let verify = try loupe("verify", "sharded")
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
    }

    /// Task indices from the environment (Kubernetes' JOB_COMPLETION_INDEX, SLURM's array
    /// variables); a collect before every unit is there names the missing units and their
    /// shard and writes nothing; re-running only that shard completes the run.
    func testIndicesFromTheEnvironmentAndAnIncompleteCollect() throws {
        let first = try loupe(
            arguments: audit + ["--out", "run", "--shards", "2"], environment: ["JOB_COMPLETION_INDEX": "0"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("shard 0/2"), first.stdout)

        let early = try loupe(arguments: audit + ["--out", "run", "--collect", "--shards", "2"])
        assertFailsCleanly(
            early,
            mentioning: [
                "2 of 4 work units are missing", "dense #1 (shard 1/2) missing", "prune-0.50 #1 (shard 1/2) missing",
                "sbatch --array=1",
            ])
        for name in ["cie.csv", "summary.json", "manifest.json", "report.html"] {
            XCTAssertFalse(
                FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("run/\(name)").path), name)
        }

        // A SLURM array task of a whole array 0-1 needs no --shards.
        let second = try loupe(
            arguments: audit + ["--out", "run"],
            environment: [
                "SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2", "SLURM_ARRAY_TASK_MIN": "0",
                "SLURM_ARRAY_TASK_MAX": "1",
            ])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("shard 1/2"), second.stdout)

        // Without --collect, the plain command collects once every unit is there.
        let plain = try loupe(arguments: audit + ["--out", "run"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        let memberLines = plain.stdout.split(separator: "\n").filter { $0.contains("accuracy") && $0.contains("#") }
        XCTAssertFalse(memberLines.isEmpty, plain.stdout)
        XCTAssertTrue(memberLines.allSatisfy { $0.hasSuffix("verified, reused") }, "made again: \(plain.stdout)")
        XCTAssertEqual(try (manifest("run")["shards"] as? [Any])?.count, 2)
        XCTAssertEqual(try loupe("verify", "run").status, 0)
    }

    /// The generated plans run: SLURM's scripts with bash (`#SBATCH` lines are comments to
    /// it) and SLURM_ARRAY_TASK_ID per task; Kubernetes' Indexed Job by the container arguments
    /// in its manifest with JOB_COMPLETION_INDEX per index. Both collect to the outputs of the
    /// one-machine run.
    func testPlansRunAsTheirEnginesWouldRunThem() throws {
        let planned = Array(audit.dropLast(2))  // the plan sets each task's --threads
        XCTAssertEqual(try loupe(arguments: planned + ["--threads", "1", "--out", "single"]).status, 0)

        let slurm = try loupe(
            arguments: ["plan", "slurm", "--out", "plan", "--loupe", executable.path, "--"] + planned + [
                "--out", "viaslurm",
            ])
        XCTAssertEqual(slurm.status, 0, slurm.stderr)
        XCTAssertTrue(slurm.stdout.contains("tasks: 4 x 1 core(s)"), slurm.stdout)
        XCTAssertTrue(slurm.stdout.contains("(latency measurement at most "), slurm.stdout)
        let tasks = try runConcurrently(
            (0..<4).map { (["plan/array.sbatch"], ["SLURM_ARRAY_TASK_ID": String($0)]) }, program: "/bin/bash")
        for task in tasks { XCTAssertEqual(task.status, 0, task.stderr) }
        let collect = try runConcurrently([(["plan/collect.sbatch"], [:])], program: "/bin/bash")[0]
        XCTAssertEqual(collect.status, 0, collect.stderr)

        let kubernetes = try loupe(
            arguments: ["plan", "kubernetes", "--out", "kplan", "--tasks", "3", "--"] + planned + [
                "--out", "viakubernetes",
            ])
        XCTAssertEqual(kubernetes.status, 0, kubernetes.stderr)
        let unitArguments = try containerArguments(in: "kplan/units-job.yaml")
        XCTAssertEqual(unitArguments.suffix(4), ["--shards", "3", "--threads", "1"])
        let pods = try runConcurrently((0..<3).map { (unitArguments, ["JOB_COMPLETION_INDEX": String($0)]) })
        for pod in pods { XCTAssertEqual(pod.status, 0, pod.stderr) }
        XCTAssertEqual(try loupe(arguments: try containerArguments(in: "kplan/collect-job.yaml")).status, 0)

        let oneMachine = regularFiles("single")
        let measured = Set(
            ((try manifest("single")["measurements"] as? [[String: Any]]) ?? []).map { $0["path"] as! String })
        XCTAssertFalse(measured.isEmpty, "the audit's latencies are measured")
        for run in ["viaslurm", "viakubernetes"] {
            let files = regularFiles(run)
            XCTAssertEqual(Set(files.keys), Set(oneMachine.keys), run)
            for (path, data) in oneMachine where path != "manifest.json" && !measured.contains(path) {
                XCTAssertEqual(files[path], data, "\(run)/\(path)")
            }
        }
    }

    /// The container's `args` of a manifest `loupe plan kubernetes` wrote (one double-quoted
    /// JSON string per line).
    private func containerArguments(in file: String) throws -> [String] {
        let text = try String(contentsOf: workDirectory.appendingPathComponent(file), encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        let start = try XCTUnwrap(
            lines.firstIndex { ["args:", "- args:"].contains($0.trimmingCharacters(in: .whitespaces)) })
        return try lines[(start + 1)...].prefix { $0.trimmingCharacters(in: .whitespaces).hasPrefix("- \"") }.map {
            let quoted = $0.trimmingCharacters(in: .whitespaces).dropFirst(2)
            return try JSONDecoder().decode(String.self, from: Data(quoted.utf8))
        }
    }

    func testPlanRefusesWhatItCannotShard() throws {
        assertFailsCleanly(try loupe("plan", "slurm"), mentioning: ["after --"])
        assertFailsCleanly(try loupe("plan", "slurm", "--", "train"), mentioning: ["'train' is not sharded"])
        assertFailsCleanly(
            try loupe("plan", "slurm", "--", "benchmark", "invariance"),
            mentioning: ["'benchmark invariance' is not sharded"])
        assertFailsCleanly(
            try loupe("plan", "slurm", "--", "audit", "--shard", "0/2"), mentioning: ["must not shard itself"])
        assertFailsCleanly(try loupe("plan", "pbs", "--", "audit"), mentioning: ["pbs"])
        assertFailsCleanly(
            try loupe("plan", "slurm", "--", "audit", "--members", "0"), mentioning: ["does not parse", "--members"])
        assertFailsCleanly(
            try loupe("plan", "kubernetes", "--mount-path", "work", "--", "audit"), mentioning: ["--mount-path"])
        // A newline in a value written into an #SBATCH line started a line of shell.
        for (option, value) in [("--partition", "a\nb;rm -rf /"), ("--account", "x y"), ("--partition", "")] {
            assertFailsCleanly(
                try loupe("plan", "slurm", option, value, "--", "audit"), mentioning: [option, "is not a SLURM name"])
        }
        assertFailsCleanly(
            try loupe("plan", "slurm", "--out", "pl\u{1B}an", "--", "audit"),
            mentioning: ["--out", "control character"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("plan").path))
    }

    /// A screening-size ROAR benchmark: 8 retrains (gradient and random x 50% x roar and kar x
    /// 2), numbered gradient roar #0, #1, gradient kar #0, #1, random roar #0, ...
    let roar = [
        "benchmark", "roar", "--model", "mlp", "--hidden", "8", "--epochs", "1", "--retrains", "2", "--fractions",
        "50", "--methods", "gradient,random", "--train-limit", "120", "--test-limit", "40", "--threads", "1",
    ]

    func testShardedRoarIsByteIdenticalToOneMachine() throws {
        let single = try loupe(arguments: roar + ["--out", "single"])
        XCTAssertEqual(single.status, 0, single.stderr)

        // Three shards of the 8 retrains, shard 1 twice at once; all four find the base model
        // and the maps missing and make them at once.
        let tasks = try runConcurrently(
            ["0/3", "1/3", "2/3", "1/3"].map { (roar + ["--out", "sharded", "--shard", $0], [:]) })
        for task in tasks { XCTAssertEqual(task.status, 0, task.stderr) }
        XCTAssertTrue(tasks[0].stdout.contains("shard 0/3: 3 of 8 work units"), tasks[0].stdout)
        XCTAssertTrue(tasks[2].stdout.contains("shard 2/3: 2 of 8 work units"), tasks[2].stdout)
        for name in ["roar.csv", "ranking.csv", "summary.json", "roar.svg", "manifest.json"] {
            XCTAssertFalse(
                FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("sharded/\(name)").path),
                name)
        }

        let collect = try loupe(arguments: roar + ["--out", "sharded", "--collect"])
        XCTAssertEqual(collect.status, 0, collect.stderr)
        XCTAssertTrue(collect.stdout.contains("0 retrains trained (8 reused)"), collect.stdout)

        XCTAssertTrue(regularFiles("single").keys.contains("cells/random/kar-50/retrain-001.json"))
        let (a, b) = try assertSameAsOneMachine("sharded")
        let shards = try XCTUnwrap(b["shards"] as? [[String: Any]])
        // Each task's record, the two runs of shard 1 included (each made some of the shard's
        // retrains and may have found the others made by its twin).
        XCTAssertEqual(shards.map { $0["shard"] as? String }, ["0/3", "1/3", "1/3", "2/3"])
        let made = Set(shards.flatMap { ($0["madeSeconds"] as? [String: Double] ?? [:]).keys })
        let reused = Set(shards.flatMap { $0["reused"] as? [String] ?? [] })
        let retrains = ["gradient", "random"].flatMap { method in
            ["roar", "kar"].flatMap { mode in (0..<2).map { "\(method) \(mode)-50 #\($0)" } }
        }
        XCTAssertEqual(made.union(reused).subtracting(["base model", "maps gradient", "maps random"]), Set(retrains))
        let phases = try XCTUnwrap(b["phaseSeconds"] as? [String: Double])
        XCTAssertTrue(Set(phases.keys).isSuperset(of: made), "\(phases.keys)")
        // The one-machine run times its base model and maps too.
        let oneMachinePhases = try XCTUnwrap(a["phaseSeconds"] as? [String: Double])
        XCTAssertTrue(
            Set(oneMachinePhases.keys).isSuperset(of: ["base model", "maps gradient", "maps random"]),
            "\(oneMachinePhases.keys)")
        XCTAssertNil(a["shards"])
        let verify = try loupe("verify", "sharded")
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
    }

    /// `loupe plan kubernetes -- benchmark roar ...`: a preparation Job makes the base model
    /// and maps once, then the Indexed Job's pods (by the container arguments, with
    /// JOB_COMPLETION_INDEX) find them made and make only retrains; the collect Job gives the
    /// one-machine bytes, and the manifest keeps the preparation's record first.
    func testPlannedRoarPreparesOnceThenRunsAsKubernetesWouldRunIt() throws {
        // The plan sets each task's --threads after the command, as the rerun recipe then does.
        let planned = Array(roar.dropLast(2))
        XCTAssertEqual(try loupe(arguments: planned + ["--out", "single", "--threads", "1"]).status, 0)
        let plan = try loupe(
            arguments: ["plan", "kubernetes", "--out", "kplan", "--tasks", "3", "--"] + planned + ["--out", "viak8s"])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        XCTAssertTrue(plan.stdout.contains("work units: 8,"), plan.stdout)
        XCTAssertTrue(plan.stdout.contains("first, once: the base model and the maps of gradient, random"), plan.stdout)

        let prepare = try loupe(arguments: try containerArguments(in: "kplan/prepare-job.yaml"))
        XCTAssertEqual(prepare.status, 0, prepare.stderr)
        XCTAssertTrue(exists("viak8s/base/base.json"))
        XCTAssertFalse(exists("viak8s/cells"), "the preparation makes no retrain")
        let unitArguments = try containerArguments(in: "kplan/units-job.yaml")
        let pods = try runConcurrently((0..<3).map { (unitArguments, ["JOB_COMPLETION_INDEX": String($0)]) })
        for pod in pods {
            XCTAssertEqual(pod.status, 0, pod.stderr)
            XCTAssertFalse(pod.stdout.contains("this task makes"), "made again by a pod: \(pod.stdout)")
        }
        XCTAssertEqual(try loupe(arguments: try containerArguments(in: "kplan/collect-job.yaml")).status, 0)

        let (_, b) = try assertSameAsOneMachine("viak8s")
        let shards = try XCTUnwrap(b["shards"] as? [[String: Any]])
        XCTAssertEqual(shards.map { $0["shard"] as? String }, ["prepare", "0/3", "1/3", "2/3"])
        XCTAssertEqual(
            Set((shards[0]["madeSeconds"] as? [String: Double] ?? [:]).keys),
            ["base model", "maps gradient", "maps random"])
        XCTAssertEqual(try loupe("verify", "viak8s").status, 0)

        assertFailsCleanly(
            try loupe(arguments: ["plan", "slurm", "--"] + planned + ["--prepare"]),
            mentioning: ["must not shard itself"])
        assertFailsCleanly(
            try loupe(arguments: roar + ["--prepare", "--collect"]), mentioning: ["--prepare", "--collect"])
    }

    /// A collect before every retrain is there names the missing ones and their shard and
    /// writes nothing; a missing base model or maps are named too, and made again (identically)
    /// by a task that needs them; the plain command collects once everything is there.
    func testIncompleteRoarCollectNamesMissingRetrainsAndPrerequisites() throws {
        let first = try loupe(
            arguments: roar + ["--out", "run", "--shards", "2"], environment: ["JOB_COMPLETION_INDEX": "0"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("shard 0/2: 4 of 8 work units"), first.stdout)
        XCTAssertTrue(first.stdout.contains("this task makes it (base/)"), first.stdout)
        XCTAssertTrue(first.stdout.contains("the maps of random are missing"), first.stdout)

        let outputs = ["roar.csv", "ranking.csv", "summary.json", "roar.svg", "kar.svg", "manifest.json"]
        func assertNoOutputs(_ message: String) {
            for name in outputs {
                XCTAssertFalse(
                    FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("run/\(name)").path),
                    "\(name) \(message)")
            }
        }
        let early = try loupe(arguments: roar + ["--out", "run", "--collect", "--shards", "2"])
        assertFailsCleanly(
            early,
            mentioning: [
                "4 of 8 work units are missing", "gradient roar 50% #1 (shard 1/2) missing",
                "random kar 50% #1 (shard 1/2) missing", "sbatch --array=1",
            ])
        assertNoOutputs("written by an incomplete collect")

        // Shard 1 from a whole SLURM array 0-1 finds the base model and maps made: it makes
        // only its retrains.
        let second = try loupe(
            arguments: roar + ["--out", "run"],
            environment: [
                "SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2", "SLURM_ARRAY_TASK_MIN": "0",
                "SLURM_ARRAY_TASK_MAX": "1",
            ])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("shard 1/2: 4 of 8 work units, 4 results (4 made"), second.stdout)
        XCTAssertFalse(second.stdout.contains("this task makes"), second.stdout)
        assertNoOutputs("written by a shard task")

        // A lost base model and a damaged map cache: named (with the shard of their first
        // retrain) by a collect, which makes neither.
        let base = workDirectory.appendingPathComponent("run/base/base.json")
        let baseBytes = try Data(contentsOf: base)
        try FileManager.default.removeItem(at: base)
        let lostBase = try loupe(arguments: roar + ["--out", "run", "--collect"])
        assertFailsCleanly(lostBase, mentioning: ["the base model (shard 0/2) missing", "sbatch --array=0"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: base.path), "the collect made the base model")
        try baseBytes.write(to: base)
        let mapURL = workDirectory.appendingPathComponent("run/maps/random/test.npy")
        var mapBytes = try Data(contentsOf: mapURL)
        mapBytes[mapBytes.count - 1] ^= 0xFF
        try mapBytes.write(to: mapURL)
        let damagedMaps = try loupe(arguments: roar + ["--out", "run", "--collect"])
        assertFailsCleanly(damagedMaps, mentioning: ["1 of 8 work units", "the maps of random (shard 0/2) damaged"])
        assertNoOutputs("written by an incomplete collect")

        // Shard 0 again makes the maps anew, byte for byte, so every retrain stays valid.
        let again = try loupe(arguments: roar + ["--out", "run", "--shard", "0/2"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("the maps of random are missing or damaged"), again.stdout)
        XCTAssertTrue(
            again.stdout.contains("4 of 8 work units, 5 results (1 made, 4 verified and reused)"), again.stdout)

        // Without --collect, the plain command collects once every retrain is there.
        let plain = try loupe(arguments: roar + ["--out", "run"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertTrue(plain.stdout.contains("retrains: 8 in all, 8 verified and reused, 0 to train"), plain.stdout)
        // A record per task: shard 0 ran twice.
        XCTAssertEqual(try (manifest("run")["shards"] as? [Any])?.count, 3)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("run/shards").path))
        XCTAssertEqual(try loupe("verify", "run").status, 0)
    }

    func testShardOptionErrors() throws {
        assertFailsCleanly(try loupe(arguments: audit + ["--shard", "2/2"]), mentioning: ["--shard", "outside 0..<2"])
        assertFailsCleanly(try loupe(arguments: audit + ["--shard", "one/2"]), mentioning: ["--shard", "K/N"])
        assertFailsCleanly(
            try loupe(arguments: audit + ["--shard", "0/2", "--collect"]), mentioning: ["--collect", "--shard"])
        assertFailsCleanly(
            try loupe(arguments: audit + ["--shards", "2"]), mentioning: ["--shards", "SLURM_ARRAY_TASK_ID"])
        // A re-submitted subset of an array (--array=1) cannot tell the shard count.
        assertFailsCleanly(
            try loupe(
                arguments: audit,
                environment: [
                    "SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "1", "SLURM_ARRAY_TASK_MIN": "1",
                    "SLURM_ARRAY_TASK_MAX": "1",
                ]), mentioning: ["SLURM_ARRAY_TASK_ID", "--shards"])
        assertFailsCleanly(
            try loupe(
                "audit", "--baseline-predictions", "a.npy", "--compressed-predictions", "b.npy", "--collect"),
            mentioning: ["--collect"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("runs").path))
    }
}
