/// One task's share of a run whose work units (population members, retrains, folds) are
/// split among `count` tasks: the units whose index modulo `count` is `index`.
///
/// Units are numbered the same way by every task of a run, so the shards of `K/N` for
/// `K` in `0..<N` cover every unit exactly once, whichever machine runs each.
public struct Shard: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// This shard's number, in `0..<count`.
    public let index: Int
    /// How many shards the run is split into.
    public let count: Int

    /// The shard `index` of `count`; `source` names the option or variable the values came from.
    public init(index: Int, count: Int, source: String = "--shard") throws(InputError) {
        guard count >= 1 else {
            throw InputError(source: source, problem: "the shard count must be positive, got \(count)")
        }
        guard (0..<count).contains(index) else {
            throw InputError(source: source, problem: "shard \(index) is outside 0..<\(count)")
        }
        (self.index, self.count) = (index, count)
    }

    private init(checked index: Int, _ count: Int) { (self.index, self.count) = (index, count) }

    /// The shards `0/N` to `N-1/N` (none for a count below one).
    public static func all(count: Int) -> [Shard] { (0..<max(count, 0)).map { Shard(checked: $0, count) } }

    /// Reads `K/N`, such as `2/8`.
    public init(parsing text: String, source: String = "--shard") throws(InputError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw InputError(source: source, problem: "expected K/N, such as 0/4, got '\(text)'")
        }
        try self.init(index: index, count: count, source: source)
    }

    /// Whether this shard runs work unit `unit`.
    public func owns(unit: Int) -> Bool { unit % count == index }

    /// The shard of `count` that runs work unit `unit`.
    public static func owner(of unit: Int, count: Int) -> Int { unit % count }

    /// `K/N`.
    public var description: String { "\(index)/\(count)" }
}
