import LoupeRandom

/// A dataset divided into a training part and a held-out test part.
public struct DatasetSplits: Sendable {
    public var train: Dataset
    public var test: Dataset
    /// What the loader did that the caller should be told, one line each (for example the
    /// files an ImageFolder skipped).
    public var notes: [String] = []

    public init(train: Dataset, test: Dataset) {
        self.train = train
        self.test = test
    }

    /// Splits `dataset` so each class sends `round(testFraction * classSize)` examples, chosen
    /// by `seed`, to the test part. Both parts keep source order and ids; the same seed
    /// always gives the same split.
    public init(stratifying dataset: Dataset, testFraction: Double, seed: UInt64) {
        precondition((0...1).contains(testFraction), "test fraction \(testFraction) is not in 0...1")
        var generator = SeededGenerator(seed: seed)
        var positionsByClass = [[Int]](repeating: [], count: dataset.classCount)
        for (position, label) in dataset.labels.enumerated() {
            positionsByClass[Int(label)].append(position)
        }
        var isTest = [Bool](repeating: false, count: dataset.count)
        for var positions in positionsByClass {
            positions.fisherYatesShuffle(using: &generator)
            let testCount = Int((Double(positions.count) * testFraction).rounded())
            for position in positions.prefix(testCount) { isTest[position] = true }
        }
        let all = Array(0..<dataset.count)
        self.init(
            train: dataset.subset(all.filter { !isTest[$0] }, name: dataset.name + "/train"),
            test: dataset.subset(all.filter { isTest[$0] }, name: dataset.name + "/test"))
    }
}
