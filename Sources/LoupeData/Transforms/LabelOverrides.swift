import Foundation
import LoupeSupport

extension Dataset {
    /// This dataset with the labels of ``LabelOverrideFile`` applied, and how many labels
    /// changed (a row giving an example its current label is allowed and not counted). The
    /// file, if it was read from disk, joins ``sources``. A `split` column is not consulted:
    /// every row's id must be in this dataset.
    ///
    /// - Throws: `InputError` naming the file and the row's line for an id not in the
    ///   dataset, an id given twice, or a label outside `0..<classCount`.
    public func overridingLabels(_ overrides: LabelOverrideFile) throws(InputError) -> (dataset: Dataset, changed: Int)
    {
        let positions = Dictionary(ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var labels = self.labels
        var changed = 0
        var firstLine: [Int: Int] = [:]
        for row in overrides.rows {
            guard let position = positions[row.id] else {
                throw overrides.error(row, "id \(row.id) is not in \(name) (\(count) examples)")
            }
            changed += try overrides.apply(
                row, at: position, to: &labels, classCount: classCount, firstLine: &firstLine)
        }
        var result = relabeled(labels)
        result.addSource(overrides.url)
        return (result, changed)
    }

    fileprivate mutating func addSource(_ url: URL?) {
        if let url, !sources.contains(url) { sources.append(url) }
    }
}

extension DatasetSplits {
    /// Both splits with the labels of ``LabelOverrideFile`` applied, and how many labels
    /// changed in all (a row giving an example its current label is allowed and not counted).
    /// A row's id is looked up in both splits, or in its `split` column's one; an id in both
    /// splits (data whose parts number their examples separately) needs that column. The
    /// file, if it was read from disk, joins both splits' ``Dataset/sources``.
    ///
    /// - Throws: `InputError` naming the file and the row's line for an id in neither split
    ///   (or not in its given split), an id in both splits without a `split` column, an
    ///   example given twice, or a label outside `0..<classCount`.
    public func overridingLabels(_ overrides: LabelOverrideFile) throws(InputError) -> (
        splits: DatasetSplits, changed: Int
    ) {
        func index(_ dataset: Dataset) -> [Int: Int] {
            Dictionary(dataset.ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        }
        let (trainPositions, testPositions) = (index(train), index(test))
        var (trainLabels, testLabels) = (train.labels, test.labels)
        var (trainLines, testLines) = ([Int: Int](), [Int: Int]())
        var changed = 0
        for row in overrides.rows {
            let inTrain = row.split == "test" ? nil : trainPositions[row.id]
            let inTest = row.split == "train" ? nil : testPositions[row.id]
            switch (inTrain, inTest) {
            case (let position?, nil):
                changed += try overrides.apply(
                    row, at: position, to: &trainLabels, classCount: train.classCount, firstLine: &trainLines)
            case (nil, let position?):
                changed += try overrides.apply(
                    row, at: position, to: &testLabels, classCount: test.classCount, firstLine: &testLines)
            case (nil, nil):
                let place = row.split.map { "the \($0) split" } ?? "the train or the test split"
                throw overrides.error(row, "id \(row.id) is not in \(place)")
            case (.some, .some):
                throw overrides.error(
                    row, "id \(row.id) is in both the train and the test split; add a split column (train or test)")
            }
        }
        var result = self
        result.train = train.relabeled(trainLabels)
        result.test = test.relabeled(testLabels)
        result.train.addSource(overrides.url)
        result.test.addSource(overrides.url)
        return (result, changed)
    }
}

extension LabelOverrideFile {
    /// An error naming the file and `row`'s line.
    fileprivate func error(_ row: Row, _ problem: String) -> InputError {
        InputError(source: file, problem: "line \(row.line): \(problem)")
    }

    /// Sets `labels[position]` to the row's label after checking it; 1 if that changed it.
    fileprivate func apply(
        _ row: Row, at position: Int, to labels: inout [Int32], classCount: Int, firstLine: inout [Int: Int]
    ) throws(InputError) -> Int {
        guard (0..<classCount).contains(row.label) else {
            throw error(row, "label \(row.label) is outside 0..<\(classCount)")
        }
        if let first = firstLine[position] {
            throw error(row, "id \(row.id) appears more than once (first on line \(first))")
        }
        firstLine[position] = row.line
        let label = Int32(row.label)
        defer { labels[position] = label }
        return labels[position] == label ? 0 : 1
    }
}
