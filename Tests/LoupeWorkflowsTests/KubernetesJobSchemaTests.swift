import Foundation
import LoupeSupport
import XCTest

/// Kubernetes Job manifests checked without a cluster: against the batch/v1 Job schema of
/// Kubernetes 1.30 (strict: unknown fields refused), `Fixtures/kubernetes-job-schema.json`,
/// written by `scripts/kubernetes-job-schema.py` from the PyPI package kubernetes-validate 1.37.0.
///
/// Cross-check: the valid job (`Fixtures/kubernetes-indexed-job.json`) and every variant below
/// were run once through Python's jsonschema 4.26.0 (`Draft202012Validator` on the same
/// fixture, with a format checker for int32 and int64 only) and through
/// `kubernetes_validate.validate(document, "1.30", strict=True)` (the unpruned schemas). Each
/// accept/reject asserted here is the one both gave, with one exception noted at the case:
/// kubernetes-validate checks no formats, so it accepts completions = 2^31, which jsonschema
/// with the int32 checker rejects, as this validator and the API server do.
final class KubernetesJobSchemaTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures")

    static func load(_ name: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    var validator: JSONSchemaValidator!
    var job: JSONValue!

    override func setUpWithError() throws {
        validator = try JSONSchemaValidator(
            contentsOf: Self.fixtures.appendingPathComponent("kubernetes-job-schema.json"))
        job = try Self.load("kubernetes-indexed-job.json")
    }

    /// The violations of the valid job with `value` at `path` (removed when nil), as text.
    private func violations(setting path: [JSONPathStep], to value: JSONValue?) -> [String] {
        validator.violations(of: job.setting(path, to: value)).map(\.description)
    }

    private let container: [JSONPathStep] = ["spec", "template", "spec", "containers", 0]

    func testTheFixtureSaysWhereItCameFrom() throws {
        guard case .object(let schema) = try Self.load("kubernetes-job-schema.json"),
            case .object(let provenance) = schema["x-loupe-provenance"]
        else { return XCTFail("no x-loupe-provenance") }
        XCTAssertEqual(provenance["package"], "kubernetes-validate")
        XCTAssertEqual(provenance["packageVersion"], "1.37.0")
        XCTAssertEqual(provenance["kubernetesVersion"], "1.30")
        XCTAssertEqual(provenance["variant"], "local-strict")
    }

    /// An Indexed Job as `loupe plan kubernetes` will write one: completions, parallelism,
    /// per-index retries, restartPolicy Never, resources, env (a value and a field reference),
    /// a PersistentVolumeClaim mounted at /data. jsonschema: accepted.
    func testAnIndexedJobWithAVolumeClaimIsValid() {
        XCTAssertEqual(validator.violations(of: job), [])
        // A whole-valued number is an integer (jsonschema: accepted), and null is allowed for
        // optional fields (accepted).
        XCTAssertEqual(violations(setting: ["spec", "completions"], to: 4.0), [])
        XCTAssertEqual(violations(setting: ["spec", "completionMode"], to: nil), [])
        XCTAssertEqual(violations(setting: ["spec", "completionMode"], to: .null), [])
        // A quantity may be a number (accepted).
        XCTAssertEqual(violations(setting: container + ["resources", "limits", "cpu"], to: 0.5), [])
    }

    /// jsonschema: rejected, "Additional properties are not allowed ('completionsMode' was unexpected)".
    func testAMisspelledFieldIsRefused() {
        var misspelled = job.setting(["spec", "completionMode"], to: nil)
        misspelled = misspelled.setting(["spec", "completionsMode"], to: "Indexed")
        XCTAssertEqual(validator.violations(of: misspelled).map(\.description), ["spec.completionsMode: unknown field"])
        // Also deep inside the pod template (rejected: 'fieldRefs' was unexpected).
        XCTAssertEqual(
            violations(setting: container + ["env", 1, "valueFrom", "fieldRefs"], to: [:]),
            ["spec.template.spec.containers[0].env[1].valueFrom.fieldRefs: unknown field"])
    }

    /// jsonschema: rejected, "'labelz' was unexpected" (ObjectMeta is strict too).
    func testAnUnknownMetadataFieldIsRefused() {
        XCTAssertEqual(violations(setting: ["metadata", "labelz"], to: ["a": "b"]), ["metadata.labelz: unknown field"])
    }

    /// jsonschema: '4' and 4.5 are not of type 'integer', 'null'; 1 is not of type 'string',
    /// 'null'; 2147483648 is not a 'int32' (with the int32 checker; kubernetes-validate accepts it).
    func testAWrongTypeIsRefused() {
        XCTAssertEqual(
            violations(setting: ["spec", "completions"], to: "4"),
            ["spec.completions: expected integer or null, got string"])
        XCTAssertEqual(
            violations(setting: ["spec", "completions"], to: 4.5),
            ["spec.completions: expected integer or null, got number"])
        XCTAssertEqual(
            violations(setting: ["spec", "completions"], to: 2_147_483_648),
            ["spec.completions: 2147483648 is outside the range of int32"])
        XCTAssertEqual(
            violations(setting: ["metadata", "labels", "tier"], to: 1),
            ["metadata.labels.tier: expected string or null, got integer"])
        XCTAssertEqual(
            violations(setting: ["metadata", "labels", "app.kubernetes.io/name"], to: true),
            ["metadata.labels[\"app.kubernetes.io/name\"]: expected string or null, got boolean"])
    }

    /// A quantity is oneOf string-or-null / number-or-null. jsonschema: true is valid under none
    /// of them (rejected); null is valid under both, so oneOf fails (rejected, as is
    /// kubernetes-validate's: write no null quantity).
    func testAQuantityIsAStringOrANumber() {
        let cpu = container + ["resources", "limits", "cpu"]
        XCTAssertEqual(
            violations(setting: cpu, to: true),
            ["spec.template.spec.containers[0].resources.limits.cpu: expected string, null or number, got boolean"])
        XCTAssertEqual(
            violations(setting: cpu, to: .null),
            ["spec.template.spec.containers[0].resources.limits.cpu: matches 2 of the 2 oneOf schemas, not exactly one"]
        )
    }

    /// jsonschema: "'name' is a required property" (rejected), likewise claimName and mountPath;
    /// a container without an image is accepted: the schema does not require one.
    func testAMissingRequiredFieldIsRefused() {
        XCTAssertEqual(
            violations(setting: container + ["name"], to: nil),
            ["spec.template.spec.containers[0].name: required field is missing"])
        XCTAssertEqual(
            violations(
                setting: ["spec", "template", "spec", "volumes", 0, "persistentVolumeClaim", "claimName"], to: nil),
            ["spec.template.spec.volumes[0].persistentVolumeClaim.claimName: required field is missing"])
        XCTAssertEqual(
            violations(setting: container + ["volumeMounts", 0, "mountPath"], to: nil),
            ["spec.template.spec.containers[0].volumeMounts[0].mountPath: required field is missing"])
        XCTAssertEqual(violations(setting: container + ["image"], to: nil), [])
    }

    /// The schema's only enums are apiVersion and kind (jsonschema: "'job' is not one of
    /// ['Job']", rejected). Kubernetes' OpenAPI lists the values of restartPolicy and
    /// completionMode only in descriptions, so the schema accepts "Sometimes" (accepted):
    /// the generator's own tests must pin those values.
    func testApiVersionAndKindAreEnums() {
        XCTAssertEqual(violations(setting: ["kind"], to: "job"), ["kind: expected one of \"Job\", got \"job\""])
        XCTAssertEqual(
            violations(setting: ["apiVersion"], to: "batch/v2"),
            ["apiVersion: expected one of \"batch/v1\", got \"batch/v2\""])
        XCTAssertEqual(violations(setting: ["spec", "template", "spec", "restartPolicy"], to: "Sometimes"), [])
    }

    /// Several problems are all reported, members in sorted order.
    func testEveryViolationIsReported() {
        var broken = job.setting(["spec", "parallelism"], to: "2")
        broken = broken.setting(container + ["name"], to: nil)
        broken = broken.setting(["metadata", "labelz"], to: [:])
        XCTAssertEqual(
            validator.violations(of: broken).map(\.description),
            [
                "metadata.labelz: unknown field", "spec.parallelism: expected integer or null, got string",
                "spec.template.spec.containers[0].name: required field is missing",
            ])
    }
}
