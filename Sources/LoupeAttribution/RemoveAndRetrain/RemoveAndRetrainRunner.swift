import Foundation
import LoupeData
import LoupeNN
import LoupeSupport

/// Runs a remove-and-retrain benchmark (Hooker et al., 2019) in a directory, resumably:
///
/// 1. `base/`: a model trained on the unmodified training set; its predicted class is the
///    target of every map, on the training and the test set.
/// 2. `maps/<method>/`: every method's maps of both sets, computed once (in parallel over
///    fixed batches) and cached with their hashes.
/// 3. `cells/<method>/<mode>-<fraction>/retrain-<r>.json`: for every method, fraction, mode
///    and retrain, a fresh model trained from scratch on the training set modified by
///    ``ChannelMeanReplacement`` and evaluated on the identically modified test set. Retrains
///    run in parallel, one model per thread, each training single-threaded.
///
/// Every file is written atomically and its completion marked by its JSON record, which
/// names the hashes of what it was made from. A re-run reuses every record that still
/// matches, so an interrupted run ends with the same results as an uninterrupted one; the
/// results do not depend on the thread count.
///
/// The retrains are the work units of a run split among the tasks of a cluster job array over
/// one shared directory (``jobs``, ``runShard(_:train:test:methods:threads:events:)``): a task
/// makes the base model and the maps it needs when they are missing, identically to any other
/// task doing so at the same time; a collecting run makes nothing and requires every part.
public struct RemoveAndRetrainRunner {
    public let spec: RemoveAndRetrainSpec
    public let directory: URL

    /// Prepares `directory`, writing `roar.json`, or checks that the one there describes the
    /// same base model and maps (data, architecture, recipe, seed, blur); a different one is
    /// refused rather than mixed in. Methods, fractions, modes and retrains may change.
    /// Collecting the retrains of shard tasks (`writingSpec` false), `roar.json` is written only
    /// once every part is found (``run(train:test:methods:threads:makeMissing:shardCount:events:)``).
    public init(spec: RemoveAndRetrainSpec, directory: URL, writingSpec: Bool = true) throws {
        try spec.validate()
        self.spec = spec
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let specURL = directory.appendingPathComponent("roar.json")
        if FileManager.default.fileExists(atPath: specURL.path) {
            let existing: RemoveAndRetrainSpec
            do {
                existing = try DeterministicJSON.decode(RemoveAndRetrainSpec.self, from: Data(contentsOf: specURL))
            } catch {
                throw InputError(source: specURL.path, problem: "unreadable benchmark spec: \(error)")
            }
            guard existing.fixedPart == spec.fixedPart else {
                throw InputError(
                    source: specURL.path,
                    problem:
                        "describes a benchmark with other data, model, recipe or seed; use another --out or remove it")
            }
        }
        if writingSpec { try writeSpec() }
    }

    /// Writes `roar.json`.
    func writeSpec() throws {
        try AtomicFile.write(try DeterministicJSON.encode(spec), to: directory.appendingPathComponent("roar.json"))
    }

    var baseDirectory: URL { directory.appendingPathComponent("base") }
    var mapsDirectory: URL { directory.appendingPathComponent("maps") }

    /// The record file of one retrain.
    func recordURL(method: String, mode: RetrainMode, percent: Double, retrain: Int) -> URL {
        directory.appendingPathComponent("cells").appendingPathComponent(AttributionMapCache.folderName(method))
            .appendingPathComponent("\(mode.rawValue)-\(percent.compactText)")
            .appendingPathComponent(String(format: "retrain-%03d.json", retrain))
    }

    /// Every retrain of the benchmark, in the order every shard task numbers them
    /// (``RemoveAndRetrainSpec/jobs``).
    public var jobs: [RetrainJob] { spec.jobs }

    /// The base model and the maps the retrains are made from.
    struct Prerequisites {
        var specHash: String
        var base: BaseModelRecord
        var model: Model
        var maps: [String: AttributionMapRecord] = [:]
        /// Whether this run made the base model, and the methods whose maps it made.
        var madeBase = false
        var madeMaps: [String] = []

        /// What a retrain of `method` is made from, by file: its record must name these hashes.
        func inputs(_ method: String) -> [String: String] {
            let files = maps[method]!.files
            return ["roar.json (fixed part)": specHash, "base/model.safetensors": base.modelHash].merging(
                files.map { ("maps/\(AttributionMapCache.folderName(method))/\($0.key)", $0.value) }
            ) { a, _ in a }
        }
    }

    /// Runs every missing part and gathers the results. `methods` must be the spec's methods,
    /// by name and in order; `train` and `test` the data the spec describes.
    ///
    /// With `makeMissing` false (collecting the retrains of shard tasks), nothing is made, not
    /// even the base model or the maps: every part must be present and intact, or
    /// ``IncompleteRunError`` names those that are not and the shards of `shardCount` that own
    /// them (``jobs`` numbers the units).
    public func run(
        train: Dataset, test: Dataset, methods: [any AttributionMethod], threads: Int, makeMissing: Bool = true,
        shardCount: Int? = nil, events: @Sendable (RemoveAndRetrainEvent) -> Void = { _ in }
    ) throws -> RemoveAndRetrainResult {
        try check(train: train, test: test, methods: methods, threads: threads)
        guard makeMissing else { return try collect(train: train, test: test, shardCount: shardCount, events: events) }
        let prerequisites = try prepare(methods, train: train, test: test, threads: threads, events: events)
        let jobs = self.jobs
        var records: [RetrainRecord?] = jobs.map { job in
            existingRecord(job, inputs: prerequisites.inputs(job.method))
        }
        let imagesPerRetrain = train.count * spec.training.epochs
        let missing = records.indices.filter { records[$0] == nil }
        events(.retrainsPlanned(total: jobs.count, toTrain: missing.count, images: missing.count * imagesPerRetrain))
        for record in records.compactMap({ $0 }) { events(.retrainFinished(record, reused: true)) }

        let means = ChannelMeans.of(train)
        let watch = Stopwatch()
        let made = try make(
            missing.map { jobs[$0] }, methods: methods, prerequisites: prerequisites, means: means, train: train,
            test: test, threads: threads, events: events)
        for (index, record) in zip(missing, made) { records[index] = record }
        let retrainingSeconds = watch.elapsedSeconds
        let complete = records.map { $0! }
        return RemoveAndRetrainResult(
            base: prerequisites.base, channelMeans: means, records: complete,
            cells: RetrainCellSummary.summaries(
                of: complete, methods: spec.methods, percents: spec.percents, modes: spec.modes),
            trainedRetrains: missing.count, reusedRetrains: jobs.count - missing.count,
            trainingImages: missing.count * imagesPerRetrain, retrainingSeconds: retrainingSeconds,
            maps: spec.methods.compactMap { prerequisites.maps[$0] })
    }

    /// Checks that `methods` are the spec's and the data what it describes.
    func check(train: Dataset, test: Dataset, methods: [any AttributionMethod], threads: Int) throws {
        guard methods.map(\.name) == spec.methods else {
            throw InputError(
                source: "remove and retrain",
                problem: "methods \(methods.map(\.name)) are not the spec's \(spec.methods)")
        }
        guard train.count == spec.trainCount, test.count == spec.testCount, train.shape == test.shape else {
            throw InputError(
                source: "remove and retrain",
                problem:
                    "\(train.count) training and \(test.count) test examples, the spec says \(spec.trainCount) and \(spec.testCount)"
            )
        }
        guard threads >= 1 else { throw InputError(source: "--threads", problem: "must be positive") }
    }

    /// `[examples, C, H, W]` of `data`.
    func mapShape(_ data: Dataset) -> [Int] { [data.count, data.shape.channels, data.shape.height, data.shape.width] }

    /// The base model and the maps of `methods`: reused when verified, else made (the base
    /// model trained on one thread, the maps over fixed batches), so that tasks making them at
    /// once write the same bytes.
    func prepare(
        _ methods: [any AttributionMethod], train: Dataset, test: Dataset, threads: Int,
        events: @Sendable (RemoveAndRetrainEvent) -> Void
    ) throws -> Prerequisites {
        let specHash = spec.fixedPartHash
        let (base, model, madeBase) = try baseModel(train: train, test: test, events: events)
        var prerequisites = Prerequisites(specHash: specHash, base: base, model: model, madeBase: madeBase)
        // The base model's predictions, the maps' targets: needed only to compute maps.
        var targets: (train: [Int], test: [Int])?
        for method in methods {
            let cache = AttributionMapCache(root: mapsDirectory, method: method.name)
            if let record = cache.verifiedRecord(
                method: method.name, baseModel: base.modelHash, seed: spec.seed, spec: specHash,
                trainShape: mapShape(train), testShape: mapShape(test))
            {
                prerequisites.maps[method.name] = record
                events(.mapsReady(record, reused: true))
                continue
            }
            let (trainTargets, testTargets) =
                targets ?? (
                    Evaluation(model: model, dataset: train, threads: threads).predictions.map(Int.init),
                    Evaluation(model: model, dataset: test, threads: threads).predictions.map(Int.init)
                )
            targets = (trainTargets, testTargets)
            events(.mapsStarted(method: method.name, examples: train.count + test.count))
            let record = try cache.compute(
                method: method, model: model, train: train, trainTargets: trainTargets, test: test,
                testTargets: testTargets, baseModel: base.modelHash, seed: spec.seed, spec: specHash,
                batchSize: spec.mapBatchSize, threads: threads, advanced: { events(.advanced(count: $0)) })
            prerequisites.maps[method.name] = record
            prerequisites.madeMaps.append(method.name)
            events(.mapsReady(record, reused: false))
        }
        return prerequisites
    }

    /// Trains `jobs` (whose method's maps `prerequisites` hold), one method at a time and
    /// `threads` retrains at once; returns their records in order.
    func make(
        _ jobs: [RetrainJob], methods: [any AttributionMethod], prerequisites: Prerequisites, means: [Float],
        train: Dataset, test: Dataset, threads: Int, events: @Sendable (RemoveAndRetrainEvent) -> Void
    ) throws -> [RetrainRecord] {
        let replacement = ChannelMeanReplacement(means: means, shape: train.shape)
        var records: [RetrainRecord?] = Array(repeating: nil, count: jobs.count)
        for method in methods {
            let pending = jobs.indices.filter { jobs[$0].method == method.name }
            guard !pending.isEmpty else { continue }
            let cache = AttributionMapCache(root: mapsDirectory, method: method.name)
            let size = train.shape.pixelCount
            let trainOrders = ElementRanking.orders(
                maps: try cache.load(.train, shape: mapShape(train)), elementsPerMap: size)
            let testOrders = ElementRanking.orders(
                maps: try cache.load(.test, shape: mapShape(test)), elementsPerMap: size)
            let methodInputs = prerequisites.inputs(method.name)
            let outcomes = Parallel.map(count: pending.count, threads: threads) { index in
                Result {
                    try retrain(
                        jobs[pending[index]], replacement: replacement, train: train, trainOrders: trainOrders,
                        test: test, testOrders: testOrders, inputs: methodInputs, events: events)
                }
            }
            for (index, outcome) in zip(pending, outcomes) { records[index] = try outcome.get() }
        }
        return records.map { $0! }
    }

    /// A finished retrain's record, if it exists, was made from `inputs` and counts what it
    /// could have counted (an edited `correct` of 1,000 in 200 test images reported an
    /// accuracy of 5); anything else is retrained.
    func existingRecord(_ job: RetrainJob, inputs: [String: String]) -> RetrainRecord? {
        let url = recordURL(method: job.method, mode: job.mode, percent: job.percent, retrain: job.retrain)
        guard let data = try? Data(contentsOf: url),
            let record = try? DeterministicJSON.decode(RetrainRecord.self, from: data),
            record.answers(
                method: job.method, mode: job.mode, percent: job.percent, retrain: job.retrain,
                seed: spec.retrainSeed(job.retrain), inputs: inputs),
            record.testCount == spec.testCount, (0...record.testCount).contains(record.correct),
            abs(record.accuracy - Double(record.correct) / Double(max(record.testCount, 1))) <= 1e-12
        else { return nil }
        return record
    }

    var baseRecordURL: URL { baseDirectory.appendingPathComponent("base.json") }

    /// The base model, if `base/base.json` matches the spec and the model file its hash.
    func verifiedBaseModel(test: Dataset) -> (BaseModelRecord, Model)? {
        let modelURL = baseDirectory.appendingPathComponent("model.safetensors")
        guard let data = try? Data(contentsOf: baseRecordURL),
            let record = try? DeterministicJSON.decode(BaseModelRecord.self, from: data),
            record.seed == spec.seed, record.spec == spec.fixedPartHash, record.testCount == test.count,
            (try? SHA256.hex(ofFile: modelURL)) == record.modelHash,
            let checkpoint = try? ModelCheckpoint(contentsOf: modelURL),
            checkpoint.model.architecture == spec.architecture, checkpoint.training == configuration(seed: spec.seed)
        else { return nil }
        return (record, checkpoint.model)
    }

    /// The base model, reused when verified (``verifiedBaseModel(test:)``), else trained
    /// (single-threaded, with the spec's seed) and saved; `made` tells which.
    func baseModel(train: Dataset, test: Dataset, events: @Sendable (RemoveAndRetrainEvent) -> Void) throws -> (
        record: BaseModelRecord, model: Model, made: Bool
    ) {
        if let (record, model) = verifiedBaseModel(test: test) {
            events(.baseModelReady(record, reused: true))
            return (record, model, false)
        }
        let modelURL = baseDirectory.appendingPathComponent("model.safetensors")
        let watch = Stopwatch()
        try FileManager.default.createDirectory(at: baseDirectory, withIntermediateDirectories: true)
        events(.baseTrainingStarted(images: train.count * spec.training.epochs))
        let (model, _) = try trainModel(seed: spec.seed, on: train, events: events)
        try ModelCheckpoint(
            model: model, training: configuration(seed: spec.seed), epoch: spec.training.epochs, step: 0,
            dataset: spec.data
        )
        .write(to: modelURL)
        let correct = correctCount(model, test)
        let record = BaseModelRecord(
            seed: spec.seed, spec: spec.fixedPartHash, modelHash: try SHA256.hex(ofFile: modelURL), correct: correct,
            testCount: test.count,
            accuracy: Double(correct) / Double(max(test.count, 1)), trainingImages: train.count * spec.training.epochs,
            seconds: watch.elapsedSeconds)
        try AtomicFile.write(try DeterministicJSON.encode(record), to: baseRecordURL)
        events(.baseModelReady(record, reused: false))
        return (record, model, true)
    }

    /// The spec's recipe for one model: its seed, one thread.
    func configuration(seed: UInt64) -> TrainingConfiguration {
        var configuration = spec.training
        configuration.seed = seed
        configuration.threads = 1
        return configuration
    }

    /// A fresh model trained on `data`; returns it and the last epoch's training accuracy.
    func trainModel(seed: UInt64, on data: Dataset, events: @Sendable (RemoveAndRetrainEvent) -> Void) throws -> (
        Model, Double
    ) {
        let configuration = configuration(seed: seed)
        var trainer = try Trainer(
            model: try Model(architecture: spec.architecture, seed: seed), configuration: configuration)
        var trainAccuracy = 0.0
        let batchSize = configuration.batchSize
        try trainer.train(on: data, test: nil) { event, _ in
            switch event {
            case .batch(let done, let total):
                events(.advanced(count: done < total ? batchSize : data.count - (total - 1) * batchSize))
            case .epoch(let metrics):
                trainAccuracy = metrics.trainAccuracy
            default:
                break
            }
        }
        return (trainer.model, trainAccuracy)
    }

    /// Test images whose top-1 prediction is their label.
    func correctCount(_ model: Model, _ data: Dataset) -> Int {
        let evaluation = Evaluation(model: model, dataset: data)
        return zip(evaluation.predictions, data.labels).filter { $0 == $1 }.count
    }

    /// Trains and evaluates one retrained model and writes its record.
    func retrain(
        _ job: RetrainJob, replacement: ChannelMeanReplacement, train: Dataset, trainOrders: [Int32], test: Dataset,
        testOrders: [Int32], inputs: [String: String], events: @Sendable (RemoveAndRetrainEvent) -> Void
    ) throws -> RetrainRecord {
        let watch = Stopwatch()
        let modifiedTrain = try replacement.modified(train, orders: trainOrders, percent: job.percent, mode: job.mode)
        let modifiedTest = try replacement.modified(test, orders: testOrders, percent: job.percent, mode: job.mode)
        let seed = spec.retrainSeed(job.retrain)
        let (model, trainAccuracy) = try trainModel(seed: seed, on: modifiedTrain, events: events)
        let correct = correctCount(model, modifiedTest)
        let record = RetrainRecord(
            method: job.method, mode: job.mode, percent: job.percent, retrain: job.retrain, seed: seed,
            correct: correct, testCount: test.count, accuracy: Double(correct) / Double(max(test.count, 1)),
            trainAccuracy: trainAccuracy, inputs: inputs, trainingImages: train.count * spec.training.epochs,
            seconds: watch.elapsedSeconds)
        let url = recordURL(method: job.method, mode: job.mode, percent: job.percent, retrain: job.retrain)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(try DeterministicJSON.encode(record), to: url)
        events(.retrainFinished(record, reused: false))
        return record
    }
}
