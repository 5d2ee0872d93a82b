import Foundation

/// Overflow-checked arithmetic for sizes that come from a file or a user, and the memory
/// budget every allocation sized by them is checked against before it is made.
///
/// Every element count, byte count or offset that a header, a checkpoint's metadata, an
/// architecture file or an option claims goes through these functions: a product that would
/// overflow, a negative size or a size over the budget becomes a `SizeError` naming what was
/// being sized, never a trap or an allocation the machine cannot serve.
package enum CheckedSize {
    /// The product of `factors`, or nil when one is negative or the product overflows `Int`.
    ///
    /// A zero factor does not hide an overflow in the others: `[0, 2^62, 8]` is rejected,
    /// since the other factors still describe a size no file can hold.
    package static func product(_ factors: some Sequence<Int>) -> Int? {
        var nonzero = 1
        var hasZero = false
        for factor in factors {
            guard factor >= 0 else { return nil }
            if factor == 0 {
                hasZero = true
                continue
            }
            let (next, overflow) = nonzero.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            nonzero = next
        }
        return hasZero ? 0 : nonzero
    }

    /// `a * b`, or nil when either is negative or the product overflows.
    package static func product(_ a: Int, _ b: Int) -> Int? { product([a, b]) }

    /// The sum of `terms`, or nil when one is negative or the sum overflows `Int`.
    package static func sum(_ terms: some Sequence<Int>) -> Int? {
        var total = 0
        for term in terms {
            guard term >= 0 else { return nil }
            let (next, overflow) = total.addingReportingOverflow(term)
            if overflow { return nil }
            total = next
        }
        return total
    }

    /// The byte count of `factors` elements of `bytesPerElement` bytes each, checked for
    /// overflow and against `budget`.
    ///
    /// - Parameter what: what is being sized, for the error (`"images"`, `"fc1.weight"`).
    /// - Throws: `SizeError` when a factor is negative, the product overflows, or the bytes
    ///   exceed the budget.
    @discardableResult
    package static func bytes(
        _ factors: [Int], bytesPerElement: Int, for what: String, budget: MemoryBudget = .current
    ) throws -> Int {
        guard let count = product(factors + [bytesPerElement]) else {
            throw SizeError(source: what, problem: "size \(shape(factors)) is negative or overflows")
        }
        try budget.check(count, for: what)
        return count
    }

    static func shape(_ factors: [Int]) -> String { "[" + factors.map(String.init).joined(separator: ", ") + "]" }
}

/// The most memory one request sized by outside input may claim.
///
/// 4 GiB unless the environment variable `LOUPE_MEMORY_BUDGET` says otherwise (bytes, or a
/// number with a `K`, `M`, `G` or `T` suffix in powers of 1024, for example `16G`). Loupe's
/// largest legitimate buffers (all 60,000 Fashion-MNIST images as bytes: 47 MB; a CIFAR-10
/// split: 150 MB; a `resnet-mini` with its optimizer state: a few MB) are far below it, so
/// the budget only stops sizes that a file or an option lied about.
public struct MemoryBudget: Sendable, Equatable {
    /// The limit in bytes.
    public var bytes: Int

    public init(bytes: Int) { self.bytes = bytes }

    /// The default limit: 4 GiB.
    public static let defaultBytes = 4 << 30

    /// The budget in force: `LOUPE_MEMORY_BUDGET` if set and valid, else 4 GiB.
    ///
    /// Read with `getenv` on every call (tests change it while running): cheap enough for a
    /// hot path, unlike `ProcessInfo.environment`, which copies the whole environment into a
    /// dictionary (about 14 µs, which made a batch-1 inference pass five times slower).
    public static var current: MemoryBudget {
        guard let value = getenv("LOUPE_MEMORY_BUDGET"), let bytes = parse(String(cString: value)) else {
            return MemoryBudget(bytes: defaultBytes)
        }
        return MemoryBudget(bytes: bytes)
    }

    /// Parses `123`, `64K`, `512M`, `16G` or `1T` (powers of 1024); nil for anything else.
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let shifts: [Character: Int] = ["K": 10, "M": 20, "G": 30, "T": 40]
        var digits = Substring(trimmed)
        var shift = 0
        if let last = digits.last, let value = shifts[last] {
            shift = value
            digits = digits.dropLast()
        }
        guard let number = Int(digits), number > 0 else { return nil }
        let (value, overflow) = number.multipliedReportingOverflow(by: 1 << shift)
        return overflow ? nil : value
    }

    /// Throws when `bytes` is over the budget.
    public func check(_ requested: Int, for what: String) throws {
        guard requested <= bytes else {
            throw SizeError(
                source: what,
                problem:
                    "needs \(Self.describe(requested)), over the memory budget of \(Self.describe(bytes)) (set LOUPE_MEMORY_BUDGET to raise it)"
            )
        }
    }

    /// `1.5 GiB`, `12.0 MiB`, `512 bytes`.
    public static func describe(_ bytes: Int) -> String {
        let units = [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")]
        for (shift, name) in units where bytes >= 1 << shift {
            return String(format: "%.1f %@", Double(bytes) / Double(1 << shift), name)
        }
        return "\(bytes) bytes"
    }
}

/// A size that overflows, is negative, or exceeds the memory budget.
public struct SizeError: LoupeError, Equatable {
    /// What was being sized: a file and field, a layer, an option.
    public var source: String
    /// What is wrong with the size.
    public var problem: String

    public init(source: String, problem: String) {
        self.source = source
        self.problem = problem
    }
}
