/// A run whose outputs cannot be collected yet: some of its work units are missing or
/// damaged. Names each with the shard that owns it, so that only those tasks are run again.
public struct IncompleteRunError: LoupeError, Equatable {
    /// A work unit that is not there, or not intact.
    public struct Unit: Equatable, Sendable {
        /// The unit's name, such as `prune-0.9 #3`.
        public var name: String
        /// Its number among the run's units (its shard is this modulo the shard count).
        public var number: Int
        /// Why it cannot be used, such as `missing`.
        public var problem: String

        public init(name: String, number: Int, problem: String) {
            (self.name, self.number, self.problem) = (name, number, problem)
        }
    }

    /// The run folder.
    public var source: String
    public var units: [Unit]
    /// How many units the run has.
    public var unitCount: Int
    /// How many shards the run was split into, when known.
    public var shardCount: Int?

    public init(source: String, units: [Unit], unitCount: Int, shardCount: Int?) {
        (self.source, self.units, self.unitCount, self.shardCount) = (source, units, unitCount, shardCount)
    }

    /// The shards that own the missing units, ascending (empty when the shard count is unknown).
    public var shardsToRerun: [Int] {
        guard let shardCount else { return [] }
        return Array(Set(units.map { Shard.owner(of: $0.number, count: shardCount) })).sorted()
    }

    public var problem: String {
        let shown = units.prefix(8).map { unit in
            let owner = shardCount.map { " (shard \(Shard.owner(of: unit.number, count: $0))/\($0))" } ?? ""
            return "\(unit.name)\(owner) \(unit.problem)"
        }
        let more = units.count > shown.count ? ", and \(units.count - shown.count) more" : ""
        let advice =
            shardCount == nil
            ? "run their shards again (or the command without --collect to make them here)"
            : "run shards \(shardsToRerun.map(String.init).joined(separator: ",")) again (for SLURM: sbatch --array=\(shardsToRerun.map(String.init).joined(separator: ",")) array.sbatch)"
        let count = Set(units.map(\.number)).count
        return
            "\(count) of \(unitCount) work units are missing or damaged: \(shown.joined(separator: "; "))\(more); \(advice), then collect"
    }
}
