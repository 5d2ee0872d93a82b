import Foundation
import LoupeSupport
import XCTest

@testable import LoupeReport

/// A recorded dataset (an ImageFolder, by the hash of its decoded content) is checked with
/// the loader the caller passes: equal, changed, gone, unloadable, or unchecked without one.
final class DatasetRecordVerificationTests: XCTestCase {
    private var base: URL!

    override func setUpWithError() throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-datasets-\(UUID())")
        try FileManager.default.createDirectory(
            at: base.appendingPathComponent("images"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            at: base.appendingPathComponent("run"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try FileManager.default.removeItem(at: base) }

    private struct LoadFailure: LoupeError {
        var source = "images/a/1.png"
        var problem = "corrupt PNG"
    }

    func testDatasetsAreCheckedWithTheGivenLoader() throws {
        let root = base.appendingPathComponent("images").path
        var recorder = RunRecorder(tool: "loupe", toolVersion: "0.1.0", commandLine: ["loupe"], environment: [:])
        let record = DatasetRecord(
            kind: "imagefolder", path: root, images: 3, imageSize: "8x8", channels: 1, sha256: "ab")
        recorder.recordDataset(record)
        recorder.recordDataset(record)
        let run = base.appendingPathComponent("run")
        let manifest = try recorder.finish(outputs: [], in: run)
        XCTAssertEqual(manifest.datasets, [record], "recorded once")

        let same = try ManifestVerifier.verify(directory: run) { _ in "ab" }
        XCTAssertTrue(same.isOK)
        XCTAssertEqual(same.verified, [root])
        let changed = try ManifestVerifier.verify(directory: run) {
            XCTAssertEqual($0, record)
            return "cd"
        }
        XCTAssertEqual(
            changed.changed,
            [.init(path: root + " (decoded imagefolder of 3 images)", expectedSHA256: "ab", actualSHA256: "cd")])
        XCTAssertFalse(changed.isOK)
        let unloadable = try ManifestVerifier.verify(directory: run) { _ in throw LoadFailure() }
        XCTAssertEqual(
            unloadable.refused, ["\(root): cannot load the imagefolder to check it: images/a/1.png: corrupt PNG"])
        XCTAssertEqual(try ManifestVerifier.verify(directory: run).uncheckedDatasets, [root])
        try FileManager.default.removeItem(atPath: root)
        XCTAssertEqual(try ManifestVerifier.verify(directory: run) { _ in "ab" }.missing, [root])
    }
}
