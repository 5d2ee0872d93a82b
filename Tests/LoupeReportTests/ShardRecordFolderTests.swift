import Foundation
import LoupeReport
import XCTest

/// A run folder's `shards` that is a file, not a folder of records: collecting it found no
/// records, exited 0, and `verify` then failed on the unlisted file.
final class ShardRecordFolderTests: XCTestCase {
    func testAShardsFileIsNotAFolderOfRecords() throws {
        let run = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-shards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: run) }
        XCTAssertEqual(try ShardRecord.read(in: run).count, 0)  // no shards folder: no records
        try Data("x".utf8).write(to: run.appendingPathComponent(ShardRecord.folderName))
        XCTAssertThrowsError(try ShardRecord.read(in: run)) {
            XCTAssertTrue("\($0)".hasSuffix("shards: is not a folder of shard records"), "\($0)")
        }
    }
}
