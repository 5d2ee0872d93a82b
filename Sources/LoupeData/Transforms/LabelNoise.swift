import LoupeRandom
import LoupeSupport

/// Deliberate label corruption for benchmarks: a seeded fraction of examples gets a label
/// drawn uniformly from the other classes.
public enum LabelNoise {
    /// Flips `round(fraction * count)` labels of `dataset`, chosen uniformly without
    /// replacement with a generator seeded by `seed`. Returns the noisy dataset and the
    /// positions that were flipped, in increasing order.
    public static func apply(to dataset: Dataset, fraction: Double, seed: UInt64) throws -> (
        dataset: Dataset, flipped: [Int]
    ) {
        guard fraction >= 0, fraction <= 1 else {
            throw InputError(source: dataset.name, problem: "label-noise fraction must be in [0, 1], got \(fraction)")
        }
        guard dataset.classCount >= 2 else {
            throw InputError(source: dataset.name, problem: "label noise needs at least two classes")
        }
        var generator = SeededGenerator(seed: seed)
        var order = Array(0..<dataset.count)
        order.fisherYatesShuffle(using: &generator)
        let flipped = order.prefix(Int((fraction * Double(dataset.count)).rounded())).sorted()
        var labels = dataset.labels
        for position in flipped {
            let other = Int32(generator.nextInt(below: dataset.classCount - 1))
            labels[position] = other >= labels[position] ? other + 1 : other
        }
        return (dataset.relabeled(labels), flipped)
    }
}

extension Dataset {
    /// This dataset with only `fraction` of the examples of class `label` kept (the first
    /// ones after a seeded shuffle); other classes are untouched. Makes a class rare on purpose.
    public func undersampling(class label: Int32, keeping fraction: Double, seed: UInt64) throws -> Dataset {
        guard fraction > 0, fraction <= 1 else {
            throw InputError(source: name, problem: "undersampling fraction must be in (0, 1], got \(fraction)")
        }
        guard label >= 0, Int(label) < classCount else {
            throw InputError(source: name, problem: "class \(label) is outside 0..<\(classCount)")
        }
        var members = labels.indices.filter { labels[$0] == label }
        var generator = SeededGenerator(seed: seed)
        members.fisherYatesShuffle(using: &generator)
        let kept = Set(members.prefix(max(1, Int((fraction * Double(members.count)).rounded()))))
        return subset(labels.indices.filter { labels[$0] != label || kept.contains($0) })
    }
}
