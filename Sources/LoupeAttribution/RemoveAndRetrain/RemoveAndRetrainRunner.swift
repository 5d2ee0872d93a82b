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
public struct RemoveAndRetrainRunner {
    public let spec: RemoveAndRetrainSpec
    public let directory: URL

    /// Prepares `directory`, writing `roar.json`, or checks that the one there describes the
    /// same base model and maps (data, architecture, recipe, seed, blur); a different one is
    /// refused rather than mixed in. Methods, fractions, modes and retrains may change.
    public init(spec: RemoveAndRetrainSpec, directory: URL) throws {
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
        try AtomicFile.write(try DeterministicJSON.encode(spec), to: specURL)
    }

    var baseDirectory: URL { directory.appendingPathComponent("base") }
    var mapsDirectory: URL { directory.appendingPathComponent("maps") }

    /// The record file of one retrain.
    func recordURL(method: String, mode: RetrainMode, percent: Double, retrain: Int) -> URL {
        directory.appendingPathComponent("cells").appendingPathComponent(AttributionMapCache.folderName(method))
            .appendingPathComponent("\(mode.rawValue)-\(percent.compactText)")
            .appendingPathComponent(String(format: "retrain-%03d.json", retrain))
    }

    /// One retrained model to make.
    struct Job {
        var method: String
        var percent: Double
        var mode: RetrainMode
        var retrain: Int
    }

    /// Runs every missing part and gathers the results. `methods` must be the spec's methods,
    /// by name and in order; `train` and `test` the data the spec describes.
    public func run(
        train: Dataset, test: Dataset, methods: [any AttributionMethod], threads: Int,
        events: @Sendable (RemoveAndRetrainEvent) -> Void = { _ in }
    ) throws -> RemoveAndRetrainResult {
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

        let specHash = spec.fixedPartHash
        let (base, model) = try baseModel(train: train, test: test, events: events)
        let trainTargets = Evaluation(model: model, dataset: train, threads: threads).predictions.map(Int.init)
        let testTargets = Evaluation(model: model, dataset: test, threads: threads).predictions.map(Int.init)

        let shape = { (data: Dataset) in [data.count, data.shape.channels, data.shape.height, data.shape.width] }
        var mapRecords: [String: AttributionMapRecord] = [:]
        for method in methods {
            let cache = AttributionMapCache(root: mapsDirectory, method: method.name)
            if let record = cache.verifiedRecord(
                method: method.name, baseModel: base.modelHash, seed: spec.seed, spec: specHash,
                trainShape: shape(train), testShape: shape(test))
            {
                mapRecords[method.name] = record
                events(.mapsReady(record, reused: true))
                continue
            }
            events(.mapsStarted(method: method.name, examples: train.count + test.count))
            let record = try cache.compute(
                method: method, model: model, train: train, trainTargets: trainTargets, test: test,
                testTargets: testTargets, baseModel: base.modelHash, seed: spec.seed, spec: specHash,
                batchSize: spec.mapBatchSize, threads: threads, advanced: { events(.advanced(count: $0)) })
            mapRecords[method.name] = record
            events(.mapsReady(record, reused: false))
        }

        func inputs(_ method: String) -> [String: String] {
            let files = mapRecords[method]!.files
            return ["roar.json (fixed part)": specHash, "base/model.safetensors": base.modelHash].merging(
                files.map { ("maps/\(AttributionMapCache.folderName(method))/\($0.key)", $0.value) }
            ) { a, _ in a }
        }
        var jobs: [Job] = []
        for method in spec.methods {
            for percent in spec.percents {
                for mode in spec.modes {
                    for retrain in 0..<spec.retrains {
                        jobs.append(Job(method: method, percent: percent, mode: mode, retrain: retrain))
                    }
                }
            }
        }
        var records: [RetrainRecord?] = jobs.map { job in
            existingRecord(job, inputs: inputs(job.method))
        }
        let imagesPerRetrain = train.count * spec.training.epochs
        let missing = records.indices.filter { records[$0] == nil }
        events(.retrainsPlanned(total: jobs.count, toTrain: missing.count, images: missing.count * imagesPerRetrain))
        for record in records.compactMap({ $0 }) { events(.retrainFinished(record, reused: true)) }

        let means = ChannelMeans.of(train)
        let replacement = ChannelMeanReplacement(means: means, shape: train.shape)
        let watch = Stopwatch()
        for method in methods {
            let pending = missing.filter { jobs[$0].method == method.name }
            guard !pending.isEmpty else { continue }
            let cache = AttributionMapCache(root: mapsDirectory, method: method.name)
            let size = train.shape.pixelCount
            let trainOrders = ElementRanking.orders(
                maps: try cache.load(.train, shape: shape(train)), elementsPerMap: size)
            let testOrders = ElementRanking.orders(
                maps: try cache.load(.test, shape: shape(test)), elementsPerMap: size)
            let methodInputs = inputs(method.name)
            let outcomes = Parallel.map(count: pending.count, threads: threads) { index in
                Result {
                    try retrain(
                        jobs[pending[index]], replacement: replacement, train: train, trainOrders: trainOrders,
                        test: test, testOrders: testOrders, inputs: methodInputs, events: events)
                }
            }
            for (index, outcome) in zip(pending, outcomes) { records[index] = try outcome.get() }
        }
        let retrainingSeconds = watch.elapsedSeconds
        let complete = records.map { $0! }
        return RemoveAndRetrainResult(
            base: base, channelMeans: means, records: complete,
            cells: RetrainCellSummary.summaries(
                of: complete, methods: spec.methods, percents: spec.percents, modes: spec.modes),
            trainedRetrains: missing.count, reusedRetrains: jobs.count - missing.count,
            trainingImages: missing.count * imagesPerRetrain, retrainingSeconds: retrainingSeconds)
    }

    /// A finished retrain's record, if it exists and was made from `inputs`.
    func existingRecord(_ job: Job, inputs: [String: String]) -> RetrainRecord? {
        let url = recordURL(method: job.method, mode: job.mode, percent: job.percent, retrain: job.retrain)
        guard let data = try? Data(contentsOf: url),
            let record = try? DeterministicJSON.decode(RetrainRecord.self, from: data),
            record.answers(
                method: job.method, mode: job.mode, percent: job.percent, retrain: job.retrain,
                seed: spec.retrainSeed(job.retrain), inputs: inputs)
        else { return nil }
        return record
    }

    /// The base model, reused when `base/base.json` matches the spec and the model file its
    /// hash, else trained (single-threaded, with the spec's seed) and saved.
    func baseModel(train: Dataset, test: Dataset, events: @Sendable (RemoveAndRetrainEvent) -> Void) throws -> (
        BaseModelRecord, Model
    ) {
        let modelURL = baseDirectory.appendingPathComponent("model.safetensors")
        let recordURL = baseDirectory.appendingPathComponent("base.json")
        if let data = try? Data(contentsOf: recordURL),
            let record = try? DeterministicJSON.decode(BaseModelRecord.self, from: data),
            record.seed == spec.seed, record.spec == spec.fixedPartHash, record.testCount == test.count,
            (try? SHA256.hex(ofFile: modelURL)) == record.modelHash,
            let checkpoint = try? ModelCheckpoint(contentsOf: modelURL),
            checkpoint.model.architecture == spec.architecture, checkpoint.training == configuration(seed: spec.seed)
        {
            events(.baseModelReady(record, reused: true))
            return (record, checkpoint.model)
        }
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
        try AtomicFile.write(try DeterministicJSON.encode(record), to: recordURL)
        events(.baseModelReady(record, reused: false))
        return (record, model)
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
        _ job: Job, replacement: ChannelMeanReplacement, train: Dataset, trainOrders: [Int32], test: Dataset,
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
