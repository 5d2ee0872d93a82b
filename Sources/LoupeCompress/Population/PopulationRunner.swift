import Foundation
import LoupeData
import LoupeNN
import LoupeRandom
import LoupeSupport
import LoupeTensor

/// What is known about one finished member; written last, as `member.json`, so that its
/// presence marks the member complete.
public struct MemberRecord: Codable, Equatable, Sendable {
    public var variant: String
    public var index: Int
    public var seed: UInt64
    /// SHA-256 of each of the member's files, by name.
    public var files: [String: String]
    /// Top-1 accuracy on the evaluated examples.
    public var accuracy: Double
    /// Fraction of weights (role `.weight`) that are zero; for structured pruning, whose
    /// members are smaller networks, the fraction of the dense architecture's weights removed
    /// or zero.
    public var sparsity: Double
    /// Fraction of zeros per weight tensor, by parameter name (for structured pruning: of the
    /// dense tensor's weights, removed or zero).
    public var layerSparsity: [String: Double]?
    /// Structured pruning only: the fraction of the prunable layers' units (filters and hidden
    /// units, ``PrunableUnitLayer``) removed, over all of them; nil (and not written) for other
    /// variants.
    public var unitsRemoved: Double?
    /// Size of the member's model file: the compact form for quantized members.
    public var bytesOnDisk: Int
    /// Time spent making the member, in seconds; 0 for a member read back. Not written to
    /// `member.json`: timings belong in the run manifest, so that a repeated run's files are
    /// identical byte for byte.
    public var seconds: Double = 0

    private enum CodingKeys: String, CodingKey {
        case variant, index, seed, files, accuracy, sparsity, layerSparsity, unitsRemoved, bytesOnDisk
    }
}

/// Top-1 predictions and logits of one member on the evaluated examples.
public struct MemberPredictions: Sendable {
    public var labels: [Int32]
    /// `[examples, classes]`, row-major.
    public var logits: [Float]
}

/// Everything a population run produced, keyed by variant.
public struct PopulationResult: Sendable {
    /// Example ids of the evaluated examples, in order.
    public var ids: [Int]
    public var trueLabels: [Int32]
    public var classCount: Int
    public var predictions: [CompressionVariant: [MemberPredictions]]
    public var records: [CompressionVariant: [MemberRecord]]
}

/// A work unit of a population run: one member of a trained variant and the members derived
/// from it (``PopulationRunner/workUnits``).
public struct PopulationWorkUnit: Equatable, Sendable {
    public var variant: CompressionVariant
    public var index: Int
    /// The variants whose member `index` is made from this one, after it.
    public var derived: [CompressionVariant]

    /// `dense #3`: the name of the unit in shard records and errors.
    public var name: String { "\(variant.name) #\(index)" }
}

/// Trains (or derives) every member of every variant, one model per core, writing each
/// member atomically into `directory/<variant>/<index>/`. A re-run skips members whose
/// `member.json` exists and whose files still match their recorded hashes.
public struct PopulationRunner {
    public let spec: PopulationSpec
    public let directory: URL
    /// The dense members, when they are given (``PopulationSpec/baseModels``) instead of trained.
    public var baseModels: [Model]?

    /// Prepares `directory`, writing `population.json`, or checks that the one there describes
    /// the same members (data, architecture, recipe, seeds; a different one is refused rather
    /// than mixed in). Variants may be added to an existing population: its members are reused.
    public init(spec: PopulationSpec, directory: URL) throws {
        try spec.validate()
        self.spec = spec
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let specURL = directory.appendingPathComponent("population.json")
        if FileManager.default.fileExists(atPath: specURL.path) {
            let existing: PopulationSpec
            let bytes = try InputFile.read(specURL, name: specURL.path)  // a regular file, within the budget
            do { existing = try DeterministicJSON.decode(PopulationSpec.self, from: Data(bytes)) } catch {
                throw InputError(source: specURL.path, problem: "unreadable population spec: \(error)")
            }
            var comparable = existing
            comparable.variants = spec.variants
            guard comparable == spec else {
                throw InputError(
                    source: specURL.path, problem: "describes a different population; use another --out or remove it")
            }
            if existing.variants != spec.variants {
                var merged = existing
                merged.variants = existing.variants + spec.variants.filter { !existing.variants.contains($0) }
                do { try merged.validate() } catch {
                    throw InputError(source: specURL.path, problem: "with the variants asked for: \(error.description)")
                }
                try AtomicFile.write(try DeterministicJSON.encode(merged), to: specURL)
            }
        } else {
            try AtomicFile.write(try DeterministicJSON.encode(spec), to: specURL)
        }
    }

    func memberDirectory(_ variant: CompressionVariant, _ index: Int) -> URL {
        directory.appendingPathComponent(variant.name).appendingPathComponent(String(format: "%03d", index))
    }

    /// The run's work units, in the order every task numbers them: one per member of each
    /// trained variant (dense first). A member derived from dense member `i` (one-shot
    /// pruning, quantization) is made by dense member `i`'s unit, after it.
    public var workUnits: [PopulationWorkUnit] {
        let derived = spec.orderedVariants.filter { !$0.isTrained }
        return spec.orderedVariants.filter(\.isTrained).flatMap { variant in
            (0..<spec.members).map { index in
                PopulationWorkUnit(variant: variant, index: index, derived: variant == .dense ? derived : [])
            }
        }
    }

    /// Runs every missing member, `threads` at a time, and loads every member's predictions.
    /// `progress` is called after each member with its record and whether it was reused.
    /// With `makeMissing` false (collecting the outputs of shard tasks), no member is made:
    /// every one must be present and intact, or ``IncompleteRunError`` names those that are not
    /// and the shards of `shardCount` that own them.
    public func run(
        train: Dataset, evaluate: Dataset, threads: Int, makeMissing: Bool = true, shardCount: Int? = nil,
        progress: (MemberRecord, Bool) -> Void = { _, _ in }
    ) throws -> PopulationResult {
        let units = workUnits
        var made: [String: MemberRecord] = [:]
        if makeMissing {
            for (record, _) in try make(units, train: train, evaluate: evaluate, threads: threads, progress: progress) {
                made["\(record.variant) #\(record.index)"] = record
            }
        }
        var records: [CompressionVariant: [MemberRecord]] = [:]
        var missing: [IncompleteRunError.Unit] = []
        for (number, unit) in units.enumerated() {
            for variant in [unit.variant] + unit.derived {
                do {
                    let record =
                        try made["\(variant.name) #\(unit.index)"]
                        ?? verifiedRecord(in: memberDirectory(variant, unit.index))
                    records[variant, default: []].append(record)
                    if !makeMissing { progress(record, true) }
                } catch {
                    let exists = FileManager.default.fileExists(
                        atPath: memberDirectory(variant, unit.index).appendingPathComponent("member.json").path)
                    missing.append(
                        .init(
                            name: "\(variant.name) #\(unit.index)", number: number,
                            problem: exists ? "damaged (\(error))" : "missing"))
                }
            }
        }
        guard missing.isEmpty else {
            throw IncompleteRunError(
                source: directory.path, units: missing, unitCount: units.count, shardCount: shardCount)
        }
        var predictions: [CompressionVariant: [MemberPredictions]] = [:]
        for variant in spec.orderedVariants {
            records[variant]!.sort { $0.index < $1.index }
            predictions[variant] = try (0..<spec.members).map {
                try loadPredictions(variant, $0, count: evaluate.count)
            }
        }
        return PopulationResult(
            ids: evaluate.ids, trueLabels: evaluate.labels, classCount: spec.architecture.outputClassCount,
            predictions: predictions, records: records)
    }

    /// Makes the missing members of `shard`'s work units (every unit without a shard), `threads`
    /// at a time; returns the record of each of their members and whether it was reused.
    public func runShard(
        _ shard: Shard, train: Dataset, evaluate: Dataset, threads: Int,
        progress: (MemberRecord, Bool) -> Void = { _, _ in }
    ) throws -> [(record: MemberRecord, reused: Bool)] {
        let owned = workUnits.enumerated().filter { shard.owns(unit: $0.offset) }.map(\.element)
        return try make(owned, train: train, evaluate: evaluate, threads: threads, progress: progress)
    }

    /// Makes (or verifies) the members of `units`: trained members first, all in one pool so
    /// no core idles between variants, then the members derived from them.
    private func make(
        _ units: [PopulationWorkUnit], train: Dataset, evaluate: Dataset, threads: Int,
        progress: (MemberRecord, Bool) -> Void
    ) throws -> [(record: MemberRecord, reused: Bool)] {
        if let hashes = spec.baseModels, baseModels?.count != hashes.count {
            throw CompressionError("the population is made from \(hashes.count) given models; pass them as baseModels")
        }
        var made: [(record: MemberRecord, reused: Bool)] = []
        let trained = units.map { ($0.variant, $0.index) }
        let derived = units.flatMap { unit in unit.derived.map { ($0, unit.index) } }
        for jobs in [trained, derived] {
            let outcomes = Parallel.map(count: jobs.count, threads: threads) { job in
                Result { try self.member(jobs[job].0, jobs[job].1, train: train, evaluate: evaluate) }
            }
            for outcome in outcomes {
                let (record, reused) = try outcome.get()
                made.append((record, reused))
                progress(record, reused)
            }
        }
        return made
    }

    /// Reuses a verified member or makes it.
    private func member(
        _ variant: CompressionVariant, _ index: Int, train: Dataset, evaluate: Dataset
    ) throws -> (MemberRecord, Bool) {
        let folder = memberDirectory(variant, index)
        if let record = try? verifiedRecord(in: folder) { return (record, true) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let started = Date()
        // The seed control's members take the seeds after the dense ones.
        let seed = SeedStream.member.seed(
            from: spec.firstSeed, index: variant == .seedControl ? spec.members + index : index)
        var model: Model
        var masks = PruningMasks()
        var bytesOnDisk: Int
        let modelURL = folder.appendingPathComponent("model.safetensors")
        let predict: (Tensor) -> Tensor
        switch variant {
        case .dense where baseModels != nil:
            model = baseModels![index]
            try ModelCheckpoint(model: model, dataset: spec.data).write(to: modelURL)
            bytesOnDisk = try fileSize(modelURL)
            let given = model
            predict = { given.logits($0) }
        case .dense, .seedControl, .pruned, .prunedFilters:
            var configuration = spec.training
            configuration.seed = seed
            configuration.threads = 1
            var trainer = try Trainer(
                model: try Model(architecture: spec.architecture, seed: seed), configuration: configuration)
            if case .pruned(let sparsity, let policy) = variant {
                try configuration.validate(for: train)
                let steps = configuration.totalSteps(examples: train.count)!  // checked by validate(for:)
                trainer.hooks = [
                    try GradualPruning(
                        schedule: spec.pruningSchedule(finalSparsity: sparsity, totalSteps: steps), policy: policy,
                        seed: seed)
                ]
            }
            if case .prunedFilters(let fraction) = variant {
                try configuration.validate(for: train)
                let steps = configuration.totalSteps(examples: train.count)!  // checked by validate(for:)
                trainer.hooks = [
                    try GradualStructuredPruning(
                        schedule: spec.pruningSchedule(finalSparsity: fraction, totalSteps: steps),
                        architecture: spec.architecture)
                ]
            }
            try trainer.train(on: train, test: nil) { _, _ in }
            model = trainer.model
            if let pruning = trainer.hooks.first as? GradualPruning { masks = pruning.masks }
            if let pruning = trainer.hooks.first as? GradualStructuredPruning { model = try pruning.shrunk(model) }
            try ModelCheckpoint(
                model: model, training: configuration, epoch: trainer.epoch, step: trainer.step, dataset: spec.data,
                masks: masks.masks
            ).write(to: modelURL)
            bytesOnDisk = try fileSize(modelURL)
            let trained = model
            predict = { trained.logits($0) }
        case .oneShot(let sparsity, let policy, let epochs):
            let base = try denseMember(index)
            var generator = SeededGenerator(seed: seed)
            masks = try MagnitudePruner.masks(
                for: base.model, sparsity: sparsity, policy: policy, generator: &generator)
            var pruned = base.model
            masks.apply(to: &pruned)
            var configuration = spec.training
            configuration.seed = SeedStream.fineTuning.seed(from: seed)
            configuration.threads = 1
            configuration.epochs = epochs
            var trainer = try Trainer(model: pruned, configuration: configuration)
            trainer.hooks = [FixedPruningMasks(masks)]
            try trainer.train(on: train, test: nil) { _, _ in }
            model = trainer.model
            try ModelCheckpoint(
                model: model, training: configuration, epoch: trainer.epoch, step: trainer.step, dataset: spec.data,
                masks: masks.masks
            ).write(to: modelURL)
            bytesOnDisk = try fileSize(modelURL)
            let tuned = model
            predict = { tuned.logits($0) }
        case .oneShotFilters(let fraction, let epochs):
            let base = try denseMember(index)
            var configuration = spec.training
            configuration.seed = SeedStream.fineTuning.seed(from: seed)
            configuration.threads = 1
            configuration.epochs = epochs
            var trainer = try Trainer(
                model: try StructuredPruner.pruned(base.model, fraction: fraction), configuration: configuration)
            try trainer.train(on: train, test: nil) { _, _ in }
            model = trainer.model
            try ModelCheckpoint(
                model: model, training: configuration, epoch: trainer.epoch, step: trainer.step, dataset: spec.data
            ).write(to: modelURL)
            bytesOnDisk = try fileSize(modelURL)
            let tuned = model
            predict = { tuned.logits($0) }
        case .quantized(let scheme):
            let base = try denseMember(index)
            let calibration = train.images(at: Array(0..<min(spec.calibrationExamples, train.count)))
            let quantized = try Quantizer.quantize(base.model, scheme: scheme, calibration: calibration)
            model = quantized.model
            bytesOnDisk = try quantized.writeCompact(to: modelURL)
            predict = { quantized.logits($0) }
        }
        var logits: [Float] = []
        var labels: [Int32] = []
        logits.reserveCapacity(evaluate.count * spec.architecture.outputClassCount)
        for start in stride(from: 0, to: evaluate.count, by: 256) {
            let batch = predict(evaluate.images(at: Array(start..<min(start + 256, evaluate.count))))
            logits.append(contentsOf: batch.scalars)
            labels.append(contentsOf: batch.argmaxPerRow())
        }
        let classes = spec.architecture.outputClassCount
        try NPYFile.write(logits, shape: [evaluate.count, classes], to: folder.appendingPathComponent("logits.npy"))
        try NPYFile.write(
            labels.map(Int64.init), shape: [evaluate.count], to: folder.appendingPathComponent("predictions.npy"))
        let correct = zip(labels, evaluate.labels).filter { $0 == $1 }.count
        var files: [String: String] = [:]
        for name in Self.memberFiles {
            files[name] = try SHA256.hex(ofFile: folder.appendingPathComponent(name))
        }
        var record = MemberRecord(
            variant: variant.name, index: index, seed: seed, files: files,
            accuracy: Double(correct) / Double(max(evaluate.count, 1)),
            sparsity: model.weightSparsity,
            layerSparsity: Dictionary(
                uniqueKeysWithValues: model.weightSparsityPerTensor.map {
                    ($0.name, Double($0.zeros) / Double($0.weights))
                }),
            bytesOnDisk: bytesOnDisk,
            seconds: Date().timeIntervalSince(started))
        if variant.removesUnits {
            let removed = try model.removedWeights(relativeTo: spec.architecture)
            record.sparsity = removed.overall
            record.layerSparsity = removed.perTensor
            record.unitsRemoved = try model.removedUnitFraction(relativeTo: spec.architecture)
        }
        try AtomicFile.write(try DeterministicJSON.encode(record), to: folder.appendingPathComponent("member.json"))
        return (record, false)
    }

    /// Dense member `index`, which the derived variants start from: a checkpoint of the
    /// population's architecture (a member file swapped for another network's, its hash
    /// updated, was pruned and quantized as if it were the population's).
    func denseMember(_ index: Int) throws -> ModelCheckpoint {
        let url = memberDirectory(.dense, index).appendingPathComponent("model.safetensors")
        let checkpoint = try ModelCheckpoint(contentsOf: url)
        let (found, recorded) = (checkpoint.model.architecture, spec.architecture)
        guard found.inputShape == recorded.inputShape, found.layers == recorded.layers else {
            throw InputError(
                source: url.path,
                problem: "has other layers than the population's \(recorded.name) as recorded (\(found.name))")
        }
        return checkpoint
    }

    /// The files a member writes beside its `member.json`, each recorded with its hash.
    static let memberFiles = ["model.safetensors", "logits.npy", "predictions.npy"]

    /// The member's record if it exists, lists exactly the member's files, and every one of
    /// them still has its hash (hashing refuses anything but a regular file, such as a link
    /// to /dev/zero, which would never end).
    func verifiedRecord(in folder: URL) throws -> MemberRecord {
        let recordURL = folder.appendingPathComponent("member.json")
        let record = try DeterministicJSON.decode(MemberRecord.self, from: Data(contentsOf: recordURL))
        guard record.files.keys.sorted() == Self.memberFiles.sorted() else {
            throw InputError(source: recordURL.path, problem: "does not list exactly the member's files")
        }
        for (name, hash) in record.files where try SHA256.hex(ofFile: folder.appendingPathComponent(name)) != hash {
            throw InputError(source: folder.appendingPathComponent(name).path, problem: "changed since it was recorded")
        }
        return record
    }

    func loadPredictions(_ variant: CompressionVariant, _ index: Int, count: Int) throws -> MemberPredictions {
        let folder = memberDirectory(variant, index)
        let (labels, logits): (NPYArray, NPYArray)
        do {
            labels = try NPYFile.read(folder.appendingPathComponent("predictions.npy"))
            logits = try NPYFile.read(folder.appendingPathComponent("logits.npy"))
        } catch let error as InputError where !error.source.hasPrefix("/") {
            // Every member has files of these names: say whose.
            throw InputError(source: folder.appendingPathComponent(error.source).path, problem: error.problem)
        }
        guard case .int64(let values) = labels.elements, values.count == count,
            case .float32(let scores) = logits.elements
        else {
            throw InputError(source: folder.path, problem: "predictions do not match the evaluated examples")
        }
        let classes = spec.architecture.outputClassCount
        guard scores.count == count * classes, values.allSatisfy({ (0..<Int64(classes)).contains($0) }) else {
            throw InputError(
                source: folder.path, problem: "predictions or logits do not fit \(count) examples of \(classes) classes"
            )
        }
        return MemberPredictions(labels: values.map { Int32($0) }, logits: scores)
    }

    private func fileSize(_ url: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
    }
}

extension Architecture {
    /// The number of classes the built network predicts (its flat output size).
    public var outputClassCount: Int {
        ((try? build().outputShape(for: inputShape)) ?? [0]).reduce(1, *)
    }
}

extension Tensor {
    /// Index of the first maximum of each row of a `[rows, columns]` tensor.
    public func argmaxPerRow() -> [Int32] {
        let columns = shape[1]
        return withUnsafeBufferPointer { z in
            (0..<shape[0]).map { row in
                var best = 0
                for j in 1..<columns where z[row * columns + j] > z[row * columns + best] { best = j }
                return Int32(best)
            }
        }
    }
}
