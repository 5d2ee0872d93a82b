import Foundation
import LoupeCompress
import LoupeData
import LoupeNN
import LoupeSupport

/// A population of models per compression variant, before the data sizes it.
public struct PopulationRecipe: Sendable, Equatable {
    /// The architecture and training recipe (4 epochs by default, with a cosine schedule).
    public var model: ModelRecipe
    /// Models per variant.
    public var members = 5
    /// The variants; the dense one is added when missing.
    public var variants: [CompressionVariant]
    /// Seed of the first member; member i uses seed + i.
    public var seed: UInt64 = 0
    /// Members trained at once, one per core.
    public var threads: Int
    /// The user's trained models (checkpoints or ONNX files) to use as the dense members,
    /// in order, instead of training them; they set the architecture and the member count.
    public var baseModels: [URL]?

    public init(model: ModelRecipe, variants: [CompressionVariant], threads: Int) {
        self.model = model
        self.variants = variants
        self.threads = threads
    }

    /// `dense,prune:0.5,prune:0.9,int8-channel` read as variants.
    public static func variants(parsing list: String) throws(CompressionError) -> [CompressionVariant] {
        try list.split(separator: ",").map { text throws(CompressionError) in
            try CompressionVariant(parsing: String(text).trimmingCharacters(in: .whitespaces))
        }
    }

    /// `a.onnx,b.onnx` or a folder: the model files, a folder's `.onnx` or `.safetensors`
    /// files (one kind) in name order.
    public static func modelFiles(parsing list: String) throws -> [URL] {
        var isDirectory: ObjCBool = false
        guard !list.contains(","), FileManager.default.fileExists(atPath: list, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            return list.split(separator: ",").map {
                URL(fileURLWithPath: String($0).trimmingCharacters(in: .whitespaces))
            }
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: list)) ?? []
        let kinds = ModelFile.extensions.map { kind in names.filter { $0.lowercased().hasSuffix(".\(kind)") } }
        guard let files = kinds.first(where: { !$0.isEmpty }), kinds.filter({ !$0.isEmpty }).count == 1 else {
            throw InputError(
                source: list, problem: "--models: the folder must hold .onnx or .safetensors files, one kind")
        }
        return files.sorted().map { URL(fileURLWithPath: list).appendingPathComponent($0) }
    }

    /// The population for `train`, checked (`PopulationSpec.validate(for:)`) so that a
    /// workflow can refuse it before creating its output folder.
    public func makeSpec(data: String, train: Dataset) throws -> PopulationSpec {
        try makePopulation(data: data, train: train).spec
    }

    /// The population for `train` and, with ``baseModels``, the given models: loaded, of one
    /// architecture and fitting the data (each error names the file).
    func makePopulation(data: String, train: Dataset) throws -> (spec: PopulationSpec, baseModels: [Model]?) {
        var architecture: Architecture
        var given: [Model]?
        var hashes: [String]?
        if let files = baseModels {
            guard let first = files.first else { throw OptionError("--models names no model") }
            let models = try files.map { try ModelFile.load($0).model }
            architecture = models[0].architecture
            for (file, model) in zip(files, models) {
                try ModelFile.check(model, fits: train, model: file, data: data)
                guard model.architecture.layers == architecture.layers else {
                    throw InputError(
                        source: file.relativePath,
                        problem: "has another architecture than \(first.lastPathComponent); a population shares one")
                }
            }
            architecture.name = first.deletingPathExtension().lastPathComponent
            given = models
            hashes = try files.map { try SHA256.hex(ofFile: $0) }
            // One model given twice would be two members of one network: the spread over
            // members that the audit measures would be understated.
            for (index, hash) in hashes!.enumerated() {
                if let earlier = hashes![..<index].firstIndex(of: hash) {
                    throw InputError(
                        source: files[index].relativePath,
                        problem: "is the same model as \(files[earlier].relativePath); give each member once")
                }
            }
        } else {
            architecture = try model.architecture(for: train)
        }
        let training = model.training(defaultEpochs: 4, defaultSchedule: .cosine(minimum: 0))
        var spec = PopulationSpec(
            data: data, architecture: architecture, training: training, members: given?.count ?? members,
            firstSeed: seed, variants: variants)
        spec.baseModels = hashes
        try spec.validate(for: train)
        return (spec, given)
    }
}

/// Trains or resumes a population, logging one line per member; when `collecting` the
/// outputs of shard tasks, makes none and requires every one (``PopulationRunner/run``).
func runPopulation(
    spec: PopulationSpec, baseModels: [Model]? = nil, splits: DatasetSplits, evaluate: Dataset? = nil,
    directory: URL, threads: Int, collecting: Bool = false, shardCount: Int? = nil, progress: any WorkflowProgress
) throws -> PopulationResult {
    let evaluate = evaluate ?? splits.test
    var runner = try PopulationRunner(spec: spec, directory: directory)
    runner.baseModels = baseModels
    let trained = spec.orderedVariants.filter(\.isTrained).count * spec.members
    if collecting {
        progress.log("population: collecting \(runner.workUnits.count) work units from \(directory.relativePath)")
        return try runner.run(
            train: splits.train, evaluate: evaluate, threads: threads, makeMissing: false, shardCount: shardCount)
    }
    if let line = spec.architecture.normalizationLine { progress.log(line) }
    let recipe = spec.baseModels == nil ? "\(spec.training.epochs) epochs" : "given dense models"
    progress.log(
        "population: \(spec.orderedVariants.map(\.name).joined(separator: ", ")) x \(spec.members) members of \(spec.architecture.name), \(recipe) on \(splits.train.count) images; evaluated on \(evaluate.count)"
    )
    let meter = progress.meter("members", total: spec.orderedVariants.count * spec.members)
    var done = 0
    let result = try runner.run(train: splits.train, evaluate: evaluate, threads: threads) { record, reused in
        done += 1
        meter.advance(by: 1)
        if !reused || done <= trained {
            let note = reused ? "verified, reused" : String(format: "%.1fs", record.seconds)
            meter.log(
                String(
                    format: "  %@ #%d  accuracy %.4f  sparsity %.2f  %@", record.variant, record.index, record.accuracy,
                    record.sparsity, note))
        }
    }
    meter.finish()
    return result
}

/// Makes the missing members of the work units of the shard `clock` times (started before the
/// data was read), logging one line per member, and writes the task's record into `runFolder`.
func runPopulationShard(
    _ clock: ShardTaskClock, spec: PopulationSpec, baseModels: [Model]?, splits: DatasetSplits, evaluate: Dataset,
    directory: URL, runFolder: URL, threads: Int, progress: any WorkflowProgress
) throws -> ShardReport {
    let shard = clock.shard
    var runner = try PopulationRunner(spec: spec, directory: directory)
    runner.baseModels = baseModels
    let units = runner.workUnits.enumerated().filter { shard.owns(unit: $0.offset) }.map(\.element)
    let members = units.map { 1 + $0.derived.count }.reduce(0, +)
    progress.log(
        "population shard \(shard): \(units.count) of \(runner.workUnits.count) work units (\(members) members) of \(spec.architecture.name) on \(splits.train.count) images; evaluated on \(evaluate.count)"
    )
    let meter = progress.meter("members", total: members)
    let made = try runner.runShard(shard, train: splits.train, evaluate: evaluate, threads: threads) { record, reused in
        meter.advance(by: 1)
        let note = reused ? "verified, reused" : String(format: "%.1fs", record.seconds)
        meter.log(
            String(
                format: "  %@ #%d  accuracy %.4f  sparsity %.2f  %@", record.variant, record.index, record.accuracy,
                record.sparsity, note))
    }
    meter.finish()
    var seconds: [String: Double] = [:]
    for (record, reused) in made where !reused { seconds["\(record.variant) #\(record.index)"] = record.seconds }
    return try clock.finish(
        units: units.map(\.name), unitCount: runner.workUnits.count,
        results: made.map { "\($0.record.variant) #\($0.record.index)" }, madeSeconds: seconds, in: runFolder)
}

extension PopulationResult {
    /// The time each member made by this run took, by `<variant> #<index>`, for the manifest.
    var memberSeconds: [String: Double] {
        var phases: [String: Double] = [:]
        for (variant, records) in records {
            for record in records where record.seconds > 0 {
                phases["\(variant.name) #\(record.index)"] = record.seconds
            }
        }
        return phases
    }
}
