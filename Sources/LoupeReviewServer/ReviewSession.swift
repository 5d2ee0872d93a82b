import Foundation
import LoupeData
import LoupeReview
import LoupeSupport
import LoupeWorkflows

/// Everything a review serves, loaded once: the queues, the reviewed examples' images, the
/// training images (for nearest neighbours), attribution maps, and the verdict store.
public final class ReviewSession: Sendable {
    public let configuration: ReviewConfiguration
    /// The data the ids index.
    public let data: DataSource
    public let sources: ReviewSources
    /// The split the ids index.
    public let split: EvaluatedSplit
    /// The reviewed examples (the split the ids index).
    public let examples: Dataset
    public let store: VerdictStore
    let positions: [Int: Int]
    let maps: AttributionMaps
    let neighbours: NearestExamples

    /// Reads the folders and the data, checks that every id in them is an example of the data,
    /// and opens (or creates) the verdict database.
    public init(_ configuration: ReviewConfiguration) throws {
        self.configuration = configuration
        let attributions = configuration.folders.filter(AttributionMaps.isAttributionFolder)
        let reviewed = configuration.folders.filter { !AttributionMaps.isAttributionFolder($0) }
        guard !reviewed.isEmpty else {
            throw OptionError("nothing to review: give an audit, difficulty or label-noise folder, or a CSV of scores")
        }
        sources = try ReviewSources.read(reviewed)
        let data = configuration.data ?? reviewed.lazy.compactMap(RecordedData.source).first ?? DataSource()
        self.data = data
        let splits = try data.load().splits
        let split = sources.split.flatMap(EvaluatedSplit.init(rawValue:)) ?? configuration.split ?? .test
        self.split = split
        let examples = split == .test ? splits.test : splits.train
        let positions = Dictionary(examples.ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        (self.examples, self.positions) = (examples, positions)
        for queue in sources.queues {
            if let unknown = queue.entries.first(where: { positions[$0.id] == nil }) {
                throw InputError(
                    source: queue.folder,
                    problem:
                        "id \(unknown.id) is not an example of \(data.data)'s \(split.rawValue) split (\(examples.count) examples): give the --data it was made from"
                )
            }
        }
        maps = try AttributionMaps(folders: attributions + reviewed, examples: examples, positions: positions)
        neighbours = NearestExamples(training: splits.train)
        store = try VerdictStore(
            path: configuration.databaseFile,
            dataset: "\(data.description), \(split.rawValue) split, \(examples.count) examples",
            classCount: examples.classCount, exampleIDs: Set(examples.ids), toolVersion: ToolVersion.current)
    }

    /// The position of example `id` in ``examples``.
    func position(of id: Int) -> Int? { positions[id] }

    /// The class names, or the labels' numbers.
    var classNames: [String] { (0..<examples.classCount).map { examples.className(of: Int32($0)) } }
}
