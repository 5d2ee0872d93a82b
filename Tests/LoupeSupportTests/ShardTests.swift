import LoupeSupport
import XCTest

final class ShardTests: XCTestCase {
    /// The shards K/N for K in 0..<N own every unit exactly once.
    func testShardsPartitionTheUnits() throws {
        for count in 1...5 {
            let shards = try (0..<count).map { try Shard(index: $0, count: count) }
            for unit in 0..<23 {
                XCTAssertEqual(shards.filter { $0.owns(unit: unit) }.count, 1)
                XCTAssertTrue(shards[Shard.owner(of: unit, count: count)].owns(unit: unit))
            }
        }
        XCTAssertEqual(try Shard(parsing: "2/8"), try Shard(index: 2, count: 8))
        XCTAssertEqual(try Shard(parsing: "2/8").description, "2/8")
    }

    func testMalformedShardsAreRefusedWithTheirSource() {
        for (text, fragment) in [
            ("3/3", "shard 3 is outside 0..<3"), ("-1/3", "outside"), ("0/0", "must be positive"), ("1", "K/N"),
            ("a/b", "K/N"), ("1/2/3", "K/N"), ("", "K/N"),
        ] {
            XCTAssertThrowsError(try Shard(parsing: text)) { error in
                XCTAssertEqual((error as? InputError)?.source, "--shard", text)
                XCTAssertTrue("\(error)".contains(fragment), "\(text): \(error)")
            }
        }
    }

    /// The error counts distinct units, names each missing result with its shard, and says
    /// which shards to run again.
    func testIncompleteRunErrorNamesTheShardsToRerun() {
        let error = IncompleteRunError(
            source: "runs/a/population",
            units: [
                .init(name: "dense #1", number: 1, problem: "missing"),
                .init(name: "int8 #1", number: 1, problem: "missing"),
                .init(name: "prune #2", number: 6, problem: "damaged (changed)"),
            ], unitCount: 8, shardCount: 4)
        XCTAssertEqual(error.shardsToRerun, [1, 2])
        XCTAssertEqual(
            error.description,
            "runs/a/population: 2 of 8 work units are missing or damaged: dense #1 (shard 1/4) missing; int8 #1 (shard 1/4) missing; prune #2 (shard 2/4) damaged (changed); run shards 1,2 again (for SLURM: sbatch --array=1,2 array.sbatch), then collect"
        )
        let unknown = IncompleteRunError(source: "r", units: error.units, unitCount: 8, shardCount: nil)
        XCTAssertEqual(unknown.shardsToRerun, [])
        XCTAssertTrue(unknown.description.contains("dense #1 missing"), unknown.description)
    }
}
