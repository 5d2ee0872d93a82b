import Foundation
import LoupeSupport
import XCTest

@testable import LoupeWorkflows

/// The plan's arithmetic, its SLURM scripts and its Kubernetes manifests, from a given cost.
final class ClusterPlanTests: XCTestCase {
    /// Units of 100, 200, 300, 400 and 500 core-seconds, a start of 10 s, a 300 MB peak.
    let cost = WorkUnitCost(
        units: [("dense #0", 100), ("dense #1", 200), ("prune #0", 300), ("prune #1", 400), ("prune #2", 500)],
        startSeconds: 10, peakMemoryBytes: 300 << 20, stepSeconds: 0.01, evaluationSecondsPerExample: 1e-4)

    func testTasksTimeAndMemoryFollowTheMeasuredCost() throws {
        let one = try ClusterPlan(arguments: ["audit"], cost: cost, tasks: nil, cpusPerTask: 1, name: "loupe-a")
        XCTAssertEqual(one.tasks, 5)
        // The slowest task holds the 500 s unit: (500 + 10) s x 2 = 17 minutes.
        XCTAssertEqual(one.taskMinutes, 17)
        // 300 MiB x 1.5 = 450 MiB, at least 512.
        XCTAssertEqual(one.memoryMiB, 512)
        // Two tasks: shard 0 holds units 0, 2, 4 (900 s), shard 1 units 1, 3 (600 s); (900 + 10) x 2 / 60.
        let two = try ClusterPlan(arguments: ["audit"], cost: cost, tasks: 2, cpusPerTask: 1, name: "loupe-a")
        XCTAssertEqual(two.taskMinutes, Int((910.0 * 2 / 60).rounded(.up)))
        XCTAssertEqual(cost.seconds(of: try Shard(index: 1, count: 2)), 610)
        // Two cores per task halve the units' time, not the start.
        let wide = try ClusterPlan(arguments: ["audit"], cost: cost, tasks: 2, cpusPerTask: 2, name: "loupe-a")
        XCTAssertEqual(wide.taskMinutes, Int(((900.0 / 2 + 10) * 2 / 60).rounded(.up)))
        // More tasks than units: one per unit.
        XCTAssertEqual(try ClusterPlan(arguments: [], cost: cost, tasks: 50, cpusPerTask: 1, name: "x").tasks, 5)
        var big = cost
        big.peakMemoryBytes = 1000 << 20
        XCTAssertEqual(
            try ClusterPlan(arguments: [], cost: big, tasks: nil, cpusPerTask: 1, name: "x").memoryMiB, 1536)
        XCTAssertEqual(two.taskArguments, ["audit", "--shards", "2", "--threads", "1"])
        // The planned command's own thread count gives way to each task's cores.
        let threaded = try ClusterPlan(
            arguments: ["audit", "--threads", "8", "--out", "a", "--threads=4"], cost: cost, tasks: 2, cpusPerTask: 3,
            name: "x")
        XCTAssertEqual(threaded.taskArguments, ["audit", "--out", "a", "--shards", "2", "--threads", "3"])
        XCTAssertEqual(two.collectArguments, ["audit", "--collect", "--shards", "2", "--threads", "1"])
        // The collect job: 4 starts (reading every unit's outputs) x 2 = 80 s, at least 5 minutes;
        // an audit's latency measurement adds to it.
        XCTAssertEqual(one.collectMinutes, 5)
        var measured = cost
        measured.collectSeconds = 3000
        let timed = try ClusterPlan(arguments: ["audit"], cost: measured, tasks: nil, cpusPerTask: 1, name: "x")
        XCTAssertEqual(timed.collectMinutes, Int(((10.0 * 4 + 3000) * 2 / 60).rounded(.up)))
        XCTAssertTrue(timed.summaryLines[1].hasSuffix("collect: 102 min (latency measurement at most 3000 s of it)"))
        XCTAssertTrue(timed.summaryLines[0].contains(", 1500 core-seconds estimated in total"), timed.summaryLines[0])
        XCTAssertFalse(one.summaryLines[1].contains("latency"))
        XCTAssertThrowsError(try ClusterPlan(arguments: [], cost: cost, tasks: 0, cpusPerTask: 1, name: "x"))
        XCTAssertThrowsError(try ClusterPlan(arguments: [], cost: cost, tasks: nil, cpusPerTask: 0, name: "x"))
    }

    func testSlurmScriptsQuoteTheCommandAndAskForTheMeasuredResources() throws {
        let plan = try ClusterPlan(
            arguments: ["audit", "--out", "runs/my run", "--data", "it's.csv"], cost: cost, tasks: 2, cpusPerTask: 1,
            name: "loupe-my-run")
        var slurm = SlurmPlan(plan: plan, executable: "/opt/loupe", workingDirectory: "/shared", folder: "/shared/plan")
        slurm.partition = "cpu"
        let files = Dictionary(uniqueKeysWithValues: slurm.files.map { ($0.name, $0.text) })
        let array = try XCTUnwrap(files["array.sbatch"])
        for line in [
            "#SBATCH --array=0-1", "#SBATCH --cpus-per-task=1", "#SBATCH --mem=512M", "#SBATCH --time=0:31:00",
            "#SBATCH --chdir=/shared", "#SBATCH --partition=cpu", "export LOUPE_KERNELS=\(plan.kernelPath)",
            "exec /opt/loupe audit --out 'runs/my run' --data 'it'\\''s.csv' --shards 2 --threads 1",
        ] {
            XCTAssertTrue(array.split(separator: "\n").contains(Substring(line)), "\(line) not in:\n\(array)")
        }
        let collect = try XCTUnwrap(files["collect.sbatch"])
        XCTAssertFalse(collect.contains("--array"))
        XCTAssertTrue(collect.contains("--collect --shards 2 --threads 1\n"), collect)
        XCTAssertTrue(try XCTUnwrap(files["submit.sh"]).contains("--dependency=\"afterok:$array\""))
        // Every #SBATCH line comes before the first command, as sbatch requires.
        let lines = array.split(separator: "\n")
        let firstCommand = try XCTUnwrap(lines.firstIndex { !$0.hasPrefix("#") })
        XCTAssertFalse(lines[firstCommand...].contains { $0.hasPrefix("#SBATCH") })
    }

    /// Both jobs are valid batch/v1 Jobs of Kubernetes 1.30 (strict schema: no unknown field).
    func testKubernetesJobsValidateAgainstTheJobSchema() throws {
        let plan = try ClusterPlan(
            arguments: ["audit", "--out", "runs/a"], cost: cost, tasks: 3, cpusPerTask: 2, name: "loupe-a")
        let kubernetes = try KubernetesPlan(
            plan: plan, image: "registry.example/loupe:1", claim: "runs", mountPath: "/w")
        let validator = try JSONSchemaValidator(
            contentsOf: KubernetesJobSchemaTests.fixtures.appendingPathComponent("kubernetes-job-schema.json"))
        XCTAssertEqual(validator.violations(of: kubernetes.unitsJob).map(\.description), [])
        XCTAssertEqual(validator.violations(of: kubernetes.collectJob).map(\.description), [])
        guard case .object(let job) = kubernetes.unitsJob, case .object(let spec) = job["spec"] else {
            return XCTFail("not an object")
        }
        XCTAssertEqual(spec["completionMode"], .string("Indexed"))
        XCTAssertEqual(spec["completions"], .number(3))
        let text = YAMLText.document(kubernetes.unitsJob)
        for fragment in [
            "- \"--shards\"\n", "- \"3\"\n", "claimName: \"runs\"", "cpu: \"2\"", "memory: \"512Mi\"",
            "workingDir: \"/w\"",
        ] {
            XCTAssertTrue(text.contains(fragment), "\(fragment) not in:\n\(text)")
        }
        XCTAssertThrowsError(try KubernetesPlan(plan: plan, image: "i", claim: "c", mountPath: "relative"))
    }

    /// A run whose units need something made first (ROAR's base model and maps) gets a
    /// preparation job: SLURM's array waits for it, Kubernetes' Indexed Job is applied after it.
    func testPreparationJobComesFirst() throws {
        var prepared = cost
        prepared.preparation = ("the base model and the maps of gradient", 1000)
        let plan = try ClusterPlan(
            arguments: ["benchmark", "roar", "--threads", "4"], cost: prepared, tasks: 2, cpusPerTask: 2,
            name: "loupe-r")
        XCTAssertEqual(plan.preparationArguments, ["benchmark", "roar", "--prepare", "--threads", "2"])
        // Estimated on one core: (1000 + 10) s x 2 = 34 minutes.
        XCTAssertEqual(plan.preparationMinutes, 34)
        XCTAssertTrue(
            plan.summaryLines.last?.hasPrefix("first, once: the base model and the maps of gradient") ?? false)
        XCTAssertNil(
            try ClusterPlan(arguments: ["audit"], cost: cost, tasks: 2, cpusPerTask: 1, name: "a").preparationArguments)

        let slurm = SlurmPlan(plan: plan, executable: "/opt/loupe", workingDirectory: "/shared", folder: "/shared/plan")
        XCTAssertEqual(slurm.files.map(\.name), ["prepare.sbatch", "array.sbatch", "collect.sbatch", "submit.sh"])
        let files = Dictionary(uniqueKeysWithValues: slurm.files.map { ($0.name, $0.text) })
        let prepare = try XCTUnwrap(files["prepare.sbatch"])
        for line in [
            "#SBATCH --job-name=loupe-r-prepare", "#SBATCH --time=0:34:00", "#SBATCH --cpus-per-task=2",
            "exec /opt/loupe benchmark roar --prepare --threads 2",
        ] {
            XCTAssertTrue(prepare.split(separator: "\n").contains(Substring(line)), "\(line) not in:\n\(prepare)")
        }
        XCTAssertFalse(prepare.contains("--array"))
        let submit = try XCTUnwrap(files["submit.sh"])
        XCTAssertTrue(
            submit.contains("array_args=(\"--dependency=afterok:$prepare\" --kill-on-invalid-dep=yes)"), submit)
        // Without a preparation job, submit.sh submits no such job.
        let plain = SlurmPlan(
            plan: try ClusterPlan(arguments: ["audit"], cost: cost, tasks: 2, cpusPerTask: 1, name: "a"),
            executable: "/opt/loupe", workingDirectory: "/shared", folder: "/shared/plan")
        XCTAssertFalse(plain.submitScript.contains("prepare"))
        XCTAssertEqual(plain.files.map(\.name), ["array.sbatch", "collect.sbatch", "submit.sh"])

        let kubernetes = try KubernetesPlan(plan: plan, image: "loupe:1", claim: "runs", mountPath: "/w")
        XCTAssertEqual(
            kubernetes.files.map(\.name), ["prepare-job.yaml", "units-job.yaml", "collect-job.yaml", "submit.sh"])
        let validator = try JSONSchemaValidator(
            contentsOf: KubernetesJobSchemaTests.fixtures.appendingPathComponent("kubernetes-job-schema.json"))
        let job = try XCTUnwrap(kubernetes.preparationJob)
        XCTAssertEqual(validator.violations(of: job).map(\.description), [])
        let text = YAMLText.document(job)
        for fragment in ["name: \"loupe-r-prepare\"", "- \"--prepare\"\n", "activeDeadlineSeconds: 2040"] {
            XCTAssertTrue(text.contains(fragment), "\(fragment) not in:\n\(text)")
        }
        let script = kubernetes.submitScript
        let order = ["prepare-job.yaml", "job/loupe-r-prepare", "units-job.yaml", "collect-job.yaml"].map {
            script.range(of: $0)?.lowerBound
        }
        XCTAssertFalse(order.contains(nil), script)
        XCTAssertEqual(order.compactMap { $0 }, order.compactMap { $0 }.sorted(), script)
    }

    func testJobNamesAreKubernetesNames() {
        XCTAssertEqual(PlanWorkflow.jobName("My Run_2"), "loupe-my-run-2")
        XCTAssertEqual(PlanWorkflow.jobName("..."), "loupe-run")
        XCTAssertEqual(PlanWorkflow.jobName(String(repeating: "a", count: 100)).count, 46)
    }
}
