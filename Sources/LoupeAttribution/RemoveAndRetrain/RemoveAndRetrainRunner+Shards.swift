import Foundation
import LoupeData
import LoupeSupport

extension RemoveAndRetrainRunner {
    /// Makes the missing retrains of `shard` (those whose number in ``jobs`` it owns), and the
    /// base model and the maps of their methods when they are missing, `threads` at a time; the
    /// run's outputs are left to the run that collects them. `methods` must be the spec's.
    public func runShard(
        _ shard: Shard, train: Dataset, test: Dataset, methods: [any AttributionMethod], threads: Int,
        events: @Sendable (RemoveAndRetrainEvent) -> Void = { _ in }
    ) throws -> RemoveAndRetrainShardResult {
        try check(train: train, test: test, methods: methods, threads: threads)
        let all = jobs
        let owned = all.indices.filter { shard.owns(unit: $0) }.map { all[$0] }
        var result = RemoveAndRetrainShardResult(
            units: owned, unitCount: all.count, records: [], madeBaseModel: nil, madeMaps: [])
        guard !owned.isEmpty else { return result }
        let needed = Set(owned.map(\.method))
        let prerequisites = try prepare(
            methods.filter { needed.contains($0.name) }, train: train, test: test, threads: threads, events: events)
        if prerequisites.madeBase { result.madeBaseModel = prerequisites.base }
        result.madeMaps = prerequisites.madeMaps.map { prerequisites.maps[$0]! }

        let existing = owned.map { existingRecord($0, inputs: prerequisites.inputs($0.method)) }
        let missing = owned.indices.filter { existing[$0] == nil }
        let imagesPerRetrain = train.count * spec.training.epochs
        events(.retrainsPlanned(total: owned.count, toTrain: missing.count, images: missing.count * imagesPerRetrain))
        for record in existing.compactMap({ $0 }) { events(.retrainFinished(record, reused: true)) }
        let made = try make(
            missing.map { owned[$0] }, methods: methods, prerequisites: prerequisites, means: ChannelMeans.of(train),
            train: train, test: test, threads: threads, events: events)
        var madeByUnit: [Int: RetrainRecord] = [:]
        for (index, record) in zip(missing, made) { madeByUnit[index] = record }
        result.records = owned.indices.map { index in
            existing[index].map { ($0, true) } ?? (madeByUnit[index]!, false)
        }
        return result
    }

    /// Makes the base model and every method's maps when they are missing (verifying and
    /// keeping them when present), and no retrain: the job a cluster plan runs once before
    /// the array's tasks, which then find them made. `methods` must be the spec's.
    public func prepareAll(
        train: Dataset, test: Dataset, methods: [any AttributionMethod], threads: Int,
        events: @Sendable (RemoveAndRetrainEvent) -> Void = { _ in }
    ) throws -> RemoveAndRetrainShardResult {
        try check(train: train, test: test, methods: methods, threads: threads)
        let prerequisites = try prepare(methods, train: train, test: test, threads: threads, events: events)
        return RemoveAndRetrainShardResult(
            units: [], unitCount: jobs.count, records: [],
            madeBaseModel: prerequisites.madeBase ? prerequisites.base : nil,
            madeMaps: prerequisites.madeMaps.map { prerequisites.maps[$0]! })
    }

    /// The results of a run whose parts shard tasks made, made nothing: every part must be
    /// present and intact, else ``IncompleteRunError`` names each that is not (the base model
    /// as unit 0, a method's maps as its first retrain, whose shard makes them again) and
    /// writes nothing. Retrains whose base model or maps are missing are checked for
    /// presence only, until those are made again.
    func collect(train: Dataset, test: Dataset, shardCount: Int?, events: @Sendable (RemoveAndRetrainEvent) -> Void)
        throws -> RemoveAndRetrainResult
    {
        let all = jobs
        let exists = { (url: URL) in FileManager.default.fileExists(atPath: url.path) }
        var problems: [IncompleteRunError.Unit] = []
        var prerequisites: Prerequisites?
        if let (record, model) = verifiedBaseModel(test: test) {
            prerequisites = Prerequisites(specHash: spec.fixedPartHash, base: record, model: model)
            events(.baseModelReady(record, reused: true))
        } else {
            problems.append(
                .init(name: "the base model", number: 0, problem: exists(baseRecordURL) ? "damaged" : "missing"))
        }
        var records: [RetrainRecord] = []
        for (number, job) in all.enumerated() {
            if var found = prerequisites, found.maps[job.method] == nil,
                number == 0 || all[number - 1].method != job.method
            {
                let cache = AttributionMapCache(root: mapsDirectory, method: job.method)
                if let record = cache.verifiedRecord(
                    method: job.method, baseModel: found.base.modelHash, seed: spec.seed, spec: found.specHash,
                    trainShape: mapShape(train), testShape: mapShape(test))
                {
                    found.maps[job.method] = record
                    prerequisites = found
                    events(.mapsReady(record, reused: true))
                } else {
                    problems.append(
                        .init(
                            name: "the maps of \(job.method)", number: number,
                            problem: exists(cache.recordURL) ? "damaged" : "missing"))
                }
            }
            let url = recordURL(method: job.method, mode: job.mode, percent: job.percent, retrain: job.retrain)
            if let prerequisites, prerequisites.maps[job.method] != nil {
                if let record = existingRecord(job, inputs: prerequisites.inputs(job.method)) {
                    records.append(record)
                    continue
                }
            } else if exists(url) {
                continue  // checked once what it was made from is there again
            }
            problems.append(
                .init(
                    name: job.name, number: number,
                    problem: exists(url) ? "damaged or made from other inputs" : "missing"
                ))
        }
        guard problems.isEmpty, let prerequisites else {
            throw IncompleteRunError(
                source: directory.path, units: problems, unitCount: all.count, shardCount: shardCount)
        }
        try writeSpec()
        events(.retrainsPlanned(total: all.count, toTrain: 0, images: 0))
        for record in records { events(.retrainFinished(record, reused: true)) }
        return RemoveAndRetrainResult(
            base: prerequisites.base, channelMeans: ChannelMeans.of(train), records: records,
            cells: RetrainCellSummary.summaries(
                of: records, methods: spec.methods, percents: spec.percents, modes: spec.modes),
            trainedRetrains: 0, reusedRetrains: all.count, trainingImages: 0, retrainingSeconds: 0,
            maps: spec.methods.compactMap { prerequisites.maps[$0] })
    }
}
