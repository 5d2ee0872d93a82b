import Foundation
import LoupeSupport

/// The files a Kubernetes user applies for a ``ClusterPlan``: an Indexed Job with one
/// completion per shard (`JOB_COMPLETION_INDEX` is the shard), a Job that collects the
/// outputs, and `submit.sh`, which applies the first, waits for it, then applies the second.
/// When the units need something made first (ROAR's base model and maps), a preparation Job
/// is applied and waited for before the Indexed Job.
public struct KubernetesPlan: Sendable {
    public var plan: ClusterPlan
    public var image: String
    /// The PersistentVolumeClaim holding the run folder and the data, shared by every pod.
    public var claim: String
    /// Where the claim is mounted: the pods' working directory.
    public var mountPath: String

    public init(plan: ClusterPlan, image: String, claim: String, mountPath: String) throws(InputError) {
        guard mountPath.hasPrefix("/") else {
            throw InputError(source: "--mount-path", problem: "must be an absolute path, got '\(mountPath)'")
        }
        guard !image.isEmpty else { throw InputError(source: "--image", problem: "is empty") }
        guard !claim.isEmpty else { throw InputError(source: "--claim", problem: "is empty") }
        (self.plan, self.image, self.claim, self.mountPath) = (plan, image, claim, mountPath)
    }

    /// File name and content of each file, `submit.sh` last.
    public var files: [(name: String, text: String)] {
        (preparationJob.map { [("prepare-job.yaml", YAMLText.document($0))] } ?? []) + [
            ("units-job.yaml", YAMLText.document(unitsJob)), ("collect-job.yaml", YAMLText.document(collectJob)),
            ("submit.sh", submitScript),
        ]
    }

    /// The Indexed Job: one pod per shard, each retried on its own.
    public var unitsJob: JSONValue {
        job(
            name: plan.name, arguments: plan.taskArguments, cpus: plan.cpusPerTask, minutes: plan.taskMinutes,
            indexed: true)
    }

    /// The Job that makes what every unit needs, before the Indexed Job; nil when none.
    public var preparationJob: JSONValue? {
        plan.preparationArguments.map {
            job(
                name: plan.name + "-prepare", arguments: $0, cpus: plan.cpusPerTask, minutes: plan.preparationMinutes,
                indexed: false)
        }
    }

    /// The Job that collects the outputs once the Indexed Job completed.
    public var collectJob: JSONValue {
        job(
            name: plan.name + "-collect", arguments: plan.collectArguments, cpus: 1, minutes: plan.collectMinutes,
            indexed: false)
    }

    private func job(name: String, arguments: [String], cpus: Int, minutes: Int, indexed: Bool) -> JSONValue {
        let resources: JSONValue = .object([
            "requests": .object(["cpu": .string(String(cpus)), "memory": .string("\(plan.memoryMiB)Mi")]),
            "limits": .object(["cpu": .string(String(cpus)), "memory": .string("\(plan.memoryMiB)Mi")]),
        ])
        let container: JSONValue = .object([
            "name": .string("loupe"),
            "image": .string(image),
            "command": .array([.string("loupe")]),
            "args": .array(arguments.map(JSONValue.string)),
            "workingDir": .string(mountPath),
            "env": .array([.object(["name": .string("LOUPE_KERNELS"), "value": .string(plan.kernelPath)])]),
            "resources": resources,
            "volumeMounts": .array([.object(["name": .string("run"), "mountPath": .string(mountPath)])]),
        ])
        var spec: [String: JSONValue] = [
            "backoffLimit": .number(Double(indexed ? plan.tasks * 3 : 3)),
            "template": .object([
                "metadata": .object(["labels": .object(["app.kubernetes.io/name": .string("loupe")])]),
                "spec": .object([
                    "restartPolicy": .string("Never"),
                    "containers": .array([container]),
                    "volumes": .array([
                        .object([
                            "name": .string("run"),
                            "persistentVolumeClaim": .object(["claimName": .string(claim)]),
                        ])
                    ]),
                    // Per pod: the slowest task's estimate with its margin.
                    "activeDeadlineSeconds": .number(Double(minutes * 60)),
                ]),
            ]),
        ]
        if indexed {
            spec["completionMode"] = .string("Indexed")
            spec["completions"] = .number(Double(plan.tasks))
            spec["parallelism"] = .number(Double(plan.tasks))
        }
        return .object([
            "apiVersion": .string("batch/v1"),
            "kind": .string("Job"),
            "metadata": .object([
                "name": .string(name), "labels": .object(["app.kubernetes.io/name": .string("loupe")]),
            ]),
            "spec": .object(spec),
        ])
    }

    var submitScript: String {
        let preparation =
            plan.preparationArguments == nil
            ? ""
            : """
            kubectl apply -f prepare-job.yaml
            kubectl wait --for=condition=complete --timeout=\(plan.preparationMinutes * 60 * 4)s job/\(plan.name)-prepare

            """
        return """
            #!/bin/bash
            # Applies the Indexed Job, waits until every index completed, then applies the collect
            # Job. Failed indices are retried by Kubernetes (backoffLimit); finished units are kept.
            set -euo pipefail
            cd "$(dirname "$0")"
            \(preparation)kubectl apply -f units-job.yaml
            kubectl wait --for=condition=complete --timeout=\(plan.taskMinutes * 60 * max(1, plan.tasks))s job/\(plan.name)
            kubectl apply -f collect-job.yaml
            kubectl wait --for=condition=complete --timeout=\(plan.collectMinutes * 60)s job/\(plan.name)-collect

            """
    }
}
