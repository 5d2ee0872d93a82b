import Foundation
import LoupeReport
import LoupeSupport
import XCTest

final class RerunComparisonTests: XCTestCase {
    private func manifest(
        outputs: [(String, String)], measurements: [String] = [], inputs: [String] = ["in-hash"]
    ) -> RunManifest {
        var manifest = RunManifest(
            tool: "loupe", toolVersion: "test", gitCommit: nil, commandLine: [], configuration: .null, seeds: [:],
            threadCount: 1, inputs: inputs.map { FileRecord(path: "/data/\($0)", bytes: 1, sha256: $0) },
            outputs: outputs.map { FileRecord(path: $0.0, bytes: 1, sha256: $0.1) }, wallSeconds: 0, cpuSeconds: 0,
            peakMemoryBytes: 0, flops: [], startedAt: Date(timeIntervalSince1970: 0),
            endedAt: Date(timeIntervalSince1970: 0),
            host: HostDescription(operatingSystem: "test", cpuModel: nil, coreCount: 1))
        manifest.measurements = measurements.map { FileRecord(path: $0, bytes: 1, sha256: "m-\($0)") }
        return manifest
    }

    func testAnExactRepetitionIsReproduced() {
        let run = manifest(outputs: [("a.csv", "aa"), ("b.json", "bb")], measurements: ["latency.json"])
        let comparison = RerunComparison(recorded: run, repeated: run, folderReport: ManifestVerificationReport())
        XCTAssertTrue(comparison.isReproduced)
        XCTAssertEqual(comparison.identicalOutputs, 2)
        XCTAssertEqual(
            comparison.lines,
            [
                "identical  a.csv", "identical  b.json",
                "measured   latency.json  measured again by the rerun, not compared",
            ])
        XCTAssertEqual(comparison.summary, "reproduced: 2 of 2 outputs bit-identical")
    }

    func testEveryKindOfDifferenceCountsOnce() {
        let recorded = manifest(
            outputs: [("same", "s"), ("changed", "c1"), ("gone", "g"), ("tampered", "t"), ("deleted", "d")],
            measurements: ["latency.json"], inputs: ["x", "y"])
        let repeated = manifest(
            outputs: [("same", "s"), ("changed", "c2"), ("tampered", "t"), ("deleted", "d"), ("new", "n")],
            inputs: ["x", "z"])
        var folder = ManifestVerificationReport()
        folder.changed = [.init(path: "tampered", expectedSHA256: "t", actualSHA256: "edited")]
        folder.missing = ["deleted"]
        folder.unlisted = ["stray.txt"]
        let comparison = RerunComparison(recorded: recorded, repeated: repeated, folderReport: folder)
        XCTAssertEqual(
            comparison.lines,
            [
                "identical  same",
                "differs    changed  recorded c1…  rerun c2…",
                "missing    gone  not written by the rerun",
                "differs    tampered  the file in the run folder (edited…) is not what was recorded and rerun (t…)",
                "differs    deleted  missing from the run folder; the rerun matches the recorded hash",
                "missing    latency.json  not measured by the rerun",
                "extra      new  written by the rerun but not recorded",
                "input      /data/y  the rerun did not read this content (input changed or moved)",
            ])
        // Seven lines that are problems, plus the unlisted file in the folder.
        XCTAssertEqual(comparison.problems, 8)
        XCTAssertFalse(comparison.isReproduced)
        XCTAssertEqual(comparison.summary, "not reproduced: 1 of 5 outputs bit-identical, 8 problems")
    }

    func testARepetitionThatReadsMoreInputsIsNotReproduced() {
        let recorded = manifest(outputs: [("a", "a")], inputs: ["x"])
        let repeated = manifest(outputs: [("a", "a")], inputs: ["x", "w"])
        let comparison = RerunComparison(
            recorded: recorded, repeated: repeated, folderReport: ManifestVerificationReport())
        XCTAssertEqual(comparison.lines.last, "input      the rerun read 2 files, the run 1")
        XCTAssertEqual(comparison.problems, 1)
    }
}
