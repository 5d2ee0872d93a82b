import LoupeSupport
import LoupeWorkflows
import XCTest

final class ShardRoleTests: XCTestCase {
    private func role(
        shard: String? = nil, shards: Int? = nil, collect: Bool = false, _ environment: [String: String] = [:]
    ) throws -> ShardRole {
        try ShardRole.resolve(shard: shard, shards: shards, collect: collect, environment: environment)
    }

    func testOptionsAndEnvironmentGiveTheRole() throws {
        XCTAssertEqual(try role(), .whole)
        XCTAssertEqual(try role(shard: "1/3"), .task(try Shard(index: 1, count: 3)))
        XCTAssertEqual(try role(shard: "1/3", shards: 3), .task(try Shard(index: 1, count: 3)))
        XCTAssertEqual(try role(collect: true), .collect(shardCount: nil))
        XCTAssertEqual(try role(shards: 4, collect: true), .collect(shardCount: 4))
        // Kubernetes Indexed Job: the index from the environment, the count from --shards.
        XCTAssertEqual(try role(shards: 4, ["JOB_COMPLETION_INDEX": "3"]), .task(try Shard(index: 3, count: 4)))
        // A re-submitted subset of a SLURM array: the index from the environment, the count from --shards.
        XCTAssertEqual(
            try role(
                shards: 6,
                [
                    "SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "1", "SLURM_ARRAY_TASK_MIN": "4",
                    "SLURM_ARRAY_TASK_MAX": "4",
                ]), .task(try Shard(index: 4, count: 6)))
        // A whole SLURM array 0..<5 needs no option.
        XCTAssertEqual(
            try role([
                "SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "5", "SLURM_ARRAY_TASK_MIN": "0",
                "SLURM_ARRAY_TASK_MAX": "4",
            ]), .task(try Shard(index: 2, count: 5)))
        // An explicit shard wins over the environment; Kubernetes' index alone is not a shard count.
        XCTAssertEqual(try role(shard: "0/2", ["SLURM_ARRAY_TASK_ID": "1"]), .task(try Shard(index: 0, count: 2)))
        XCTAssertEqual(try role(["JOB_COMPLETION_INDEX": "1"]), .whole)
    }

    func testInconsistentSettingsNameTheirSource() {
        for (make, source, fragment) in [
            ({ try self.role(shard: "0/2", collect: true) }, "--collect", "--shard"),
            ({ try self.role(shard: "0/2", shards: 3) }, "--shards", "disagrees"),
            ({ try self.role(shards: 0, collect: true) }, "--shards", "positive"),
            ({ try self.role(shards: 2) }, "--shards", "JOB_COMPLETION_INDEX"),
            ({ try self.role(shards: 2, ["JOB_COMPLETION_INDEX": "2"]) }, "JOB_COMPLETION_INDEX", "outside 0..<2"),
            ({ try self.role(shards: 2, ["SLURM_ARRAY_TASK_ID": "x"]) }, "SLURM_ARRAY_TASK_ID", "not a number"),
            ({ try self.role(["SLURM_ARRAY_TASK_ID": "1"]) }, "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT"),
            (
                { try self.role(["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "99999999999999999999"]) },
                "SLURM_ARRAY_TASK_COUNT", "is not a count: '99999999999999999999'"
            ),
            (
                {
                    try self.role([
                        "SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "2", "SLURM_ARRAY_TASK_MIN": "3",
                        "SLURM_ARRAY_TASK_MAX": "5",
                    ])
                }, "SLURM_ARRAY_TASK_ID", "pass --shards N"
            ),
        ] as [(() throws -> ShardRole, String, String)] {
            XCTAssertThrowsError(try make()) { error in
                XCTAssertEqual((error as? InputError)?.source, source, "\(error)")
                XCTAssertTrue("\(error)".contains(fragment), "\(error)")
            }
        }
    }
}
