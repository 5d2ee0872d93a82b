import Foundation
import LoupeAudit
import LoupeData
import LoupeNN
import LoupeRandom
import LoupeSupport

/// What is known about one finished work unit of a difficulty run; written last, as
/// `unit.json` in the unit's folder, so that its presence marks the unit complete.
struct DifficultyUnitRecord: Codable, Equatable, Sendable {
    /// The unit's name (``DifficultyWorkUnit/name``).
    var unit: String
    /// What the unit was made from: architecture, training configuration, the unit's seed and
    /// settings, and a digest of the training examples. A unit made from anything else is not reused.
    var madeFrom: JSONValue
    /// SHA-256 of each of the unit's files, by path in the run folder (the main run's
    /// checkpoints are in `checkpoints/`, the rest in the unit's folder).
    var files: [String: String]
    /// Time spent making the unit, in seconds; 0 for a unit read back. Not written: timings
    /// belong in the run manifest, so that a repeated run's files are identical byte for byte.
    var seconds: Double = 0

    private enum CodingKeys: String, CodingKey { case unit, madeFrom, files }
}

/// The work units of a difficulty training run in its run folder: `units/<unit>/` holds each
/// one's arrays and, written last, its `unit.json` (``DifficultyUnitRecord``). A unit is
/// reused when its record describes the same recipe and every file still has its hash, so
/// shard tasks on many machines, a resumed run and the collecting run all share them.
struct DifficultyUnitStore {
    private(set) var run: DifficultyRun
    let train: Dataset
    /// The run folder.
    let folder: URL
    /// SHA-256 of the training examples' ids, labels and pixels.
    private let trainingData: String

    init(run: DifficultyRun, train: Dataset, folder: URL) {
        self.run = run
        self.run.checkpointDirectory = folder.appendingPathComponent("checkpoints")
        (self.train, self.folder) = (train, folder)
        trainingData = Self.digest(of: train)
    }

    var units: [DifficultyWorkUnit] { run.workUnits }

    /// The folder of `unit`'s files, relative to the run folder.
    static func path(of unit: DifficultyWorkUnit) -> String { "units/\(unit.folderName)" }

    private func url(_ path: String) -> URL { folder.appendingPathComponent(path) }

    /// What `unit` is made from, as recorded in its `unit.json`.
    func recipe(of unit: DifficultyWorkUnit) throws -> JSONValue {
        struct Recipe: Encodable {
            var unit: String
            var architecture: Architecture
            var training: TrainingConfiguration
            var examples: Int
            var trainingData: String
            var seed: UInt64
            var earlyEpoch: Int?
            var vogTarget: String?
            var folds: Int?
        }
        var recipe = Recipe(
            unit: unit.name, architecture: run.architecture, training: run.training, examples: train.count,
            trainingData: trainingData, seed: run.training.seed)
        switch unit {
        case .main:
            (recipe.earlyEpoch, recipe.vogTarget) = (run.earlyEpoch, run.vogTarget.rawValue)
        case .el2nRun(let index):
            recipe.earlyEpoch = run.earlyEpoch
            recipe.seed = SeedStream.el2nRun.seed(from: run.training.seed, index: index)
        case .confidentLearningFold(let fold):
            recipe.folds = run.confidentLearningFolds
            recipe.seed = SeedStream.confidentLearningFold.seed(from: run.training.seed, index: fold)
        }
        return try DeterministicJSON.decode(JSONValue.self, from: DeterministicJSON.encode(recipe))
    }

    /// Makes `unit` into its folder, writing its record last.
    func make(_ unit: DifficultyWorkUnit, progress: (String) -> Void) throws -> DifficultyUnitRecord {
        let stopwatch = Stopwatch()
        let base = Self.path(of: unit)
        try FileManager.default.createDirectory(at: url(base), withIntermediateDirectories: true)
        var paths: [String] = []
        func write(_ array: NPYArray, _ name: String) throws {
            try NPYFile.write(array, to: url("\(base)/\(name)"))
            paths.append("\(base)/\(name)")
        }
        switch unit {
        case .main:
            if let checkpoints = run.checkpointDirectory {
                try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true)
            }
            let main = try run.trainMainRun(on: train, progress: progress)
            try write(
                NPYArray(shape: [main.epochs, train.count, main.classCount], elements: .float32(main.logits)),
                "epoch-logits.npy")
            if let grand = main.grand {
                try write(NPYArray(shape: [train.count], elements: .float64(grand)), "grand.npy")
            }
            for (stage, values) in main.vog {
                try write(NPYArray(shape: [train.count], elements: .float64(values)), "vog-\(stage.rawValue).npy")
            }
            paths += (1...main.epochs).map { String(format: "checkpoints/epoch-%06d.safetensors", $0) }
        case .el2nRun(let index):
            progress("EL2N: extra run \(index + 1) of \(run.el2nSeeds)")
            let logits = try run.el2nRun(index, on: train)
            try write(
                NPYArray(shape: [train.count, logits.count / max(train.count, 1)], elements: .float32(logits)),
                "logits.npy")
        case .confidentLearningFold(let fold):
            progress("confident learning: fold model \(fold + 1) of \(run.confidentLearningFolds)")
            let heldOut = run.heldOutPositions(count: train.count)[fold]
            let result = try run.foldProbabilities(fold, heldOut: heldOut, on: train)
            try write(NPYArray(shape: [heldOut.count], elements: .int64(heldOut.map(Int64.init))), "positions.npy")
            try write(
                NPYArray(shape: [heldOut.count, result.classCount], elements: .float64(result.probabilities)),
                "probabilities.npy")
        }
        var files: [String: String] = [:]
        for path in paths { files[path] = try SHA256.hex(ofFile: url(path)) }
        var record = DifficultyUnitRecord(unit: unit.name, madeFrom: try recipe(of: unit), files: files)
        try AtomicFile.write(try DeterministicJSON.encode(record), to: url("\(base)/unit.json"))
        record.seconds = stopwatch.elapsedSeconds
        return record
    }

    /// The unit's record if it exists, describes this run's recipe for it, and every file it
    /// lists still has its hash.
    func verifiedRecord(_ unit: DifficultyWorkUnit) throws -> DifficultyUnitRecord {
        let recordURL = url("\(Self.path(of: unit))/unit.json")
        let record = try DeterministicJSON.decode(DifficultyUnitRecord.self, from: Data(contentsOf: recordURL))
        guard record.unit == unit.name,
            try DeterministicJSON.encode(record.madeFrom) == DeterministicJSON.encode(recipe(of: unit))
        else {
            throw InputError(source: recordURL.path, problem: "was made with other settings or data")
        }
        for (path, hash) in record.files.sorted(by: { $0.key < $1.key })
        where try SHA256.hex(ofFile: url(path)) != hash {
            throw InputError(source: url(path).path, problem: "changed since it was recorded")
        }
        return record
    }

    /// Reuses each of `units` that is intact and makes the others, in order; returns each
    /// one's record and whether it was reused.
    func makeMissing(_ units: [DifficultyWorkUnit], progress: (String) -> Void) throws
        -> [(record: DifficultyUnitRecord, reused: Bool)]
    {
        try units.map { unit in
            if let record = try? verifiedRecord(unit) { return (record, true) }
            return (try make(unit, progress: progress), false)
        }
    }

    /// Checks that every unit but those in `made` (just made by this process) is present and
    /// intact; otherwise ``IncompleteRunError`` names the others with the shards of
    /// `shardCount` that own them.
    func requireComplete(made: Set<String>, shardCount: Int?) throws {
        var missing: [IncompleteRunError.Unit] = []
        for (number, unit) in units.enumerated() where !made.contains(unit.name) {
            do { _ = try verifiedRecord(unit) } catch {
                let exists = FileManager.default.fileExists(atPath: url("\(Self.path(of: unit))/unit.json").path)
                missing.append(
                    .init(name: unit.name, number: number, problem: exists ? "damaged (\(error))" : "missing"))
            }
        }
        guard missing.isEmpty else {
            throw IncompleteRunError(
                source: folder.path, units: missing, unitCount: units.count, shardCount: shardCount)
        }
    }

    /// Reads back what every unit holds, for ``DifficultyRun/assemble(main:extras:train:)``.
    func load() throws -> (main: DifficultyRun.MainRun, extras: DifficultyRun.Extras) {
        let count = train.count
        let mainFolder = Self.path(of: .main)
        let logits = try read("\(mainFolder)/epoch-logits.npy", rank: 3, examples: count)
        let epochs = run.training.epochs
        guard case .float32(let values) = logits.elements, logits.shape[0] == epochs else {
            throw InputError(
                source: url("\(mainFolder)/epoch-logits.npy").path, problem: "not \(epochs) epochs of float32")
        }
        let classCount = logits.shape[2]
        let early = (run.earlyEpoch - 1) * count * classCount
        let stages: [TrainingStage] = epochs >= 6 ? TrainingStage.allCases : [.all]
        var grand: [Double]?
        if FileManager.default.fileExists(atPath: url("\(mainFolder)/grand.npy").path) {
            grand = try doubles("\(mainFolder)/grand.npy", examples: count)
        }
        let main = DifficultyRun.MainRun(
            vog: try stages.map { ($0, try doubles("\(mainFolder)/vog-\($0.rawValue).npy", examples: count)) },
            logits: values, epochs: epochs, classCount: classCount,
            el2nLogits: Array(values[early..<early + count * classCount]), grand: grand)
        var extras = DifficultyRun.Extras()
        for unit in units {
            let base = Self.path(of: unit)
            switch unit {
            case .main: continue
            case .el2nRun:
                let array = try read("\(base)/logits.npy", rank: 2, examples: count)
                guard case .float32(let logits) = array.elements else {
                    throw InputError(source: url("\(base)/logits.npy").path, problem: "not float32")
                }
                extras.el2nLogits.append(logits)
            case .confidentLearningFold:
                let positions = try NPYFile.read(url("\(base)/positions.npy"))
                let probabilities = try NPYFile.read(url("\(base)/probabilities.npy"))
                guard case .int64(let held) = positions.elements, case .float64(let values) = probabilities.elements,
                    probabilities.shape.count == 2, probabilities.shape[0] == held.count,
                    held.allSatisfy({ (0..<Int64(count)).contains($0) })
                else {
                    throw InputError(source: url(base).path, problem: "positions and probabilities do not match")
                }
                extras.folds.append(
                    .init(positions: held.map(Int.init), probabilities: values, classCount: probabilities.shape[1]))
            }
        }
        return (main, extras)
    }

    private func read(_ path: String, rank: Int, examples: Int) throws -> NPYArray {
        let array = try NPYFile.read(url(path))
        guard array.shape.count == rank, array.shape[rank - 2] == examples else {
            throw InputError(source: url(path).path, problem: "shape \(array.shape) does not fit \(examples) examples")
        }
        return array
    }

    private func doubles(_ path: String, examples: Int) throws -> [Double] {
        let array = try NPYFile.read(url(path))
        guard case .float64(let values) = array.elements, array.shape == [examples] else {
            throw InputError(source: url(path).path, problem: "not \(examples) float64 values")
        }
        return values
    }

    /// SHA-256 of the examples' ids, labels and pixels, in order.
    static func digest(of data: Dataset) -> String {
        var hash = SHA256()
        data.ids.map(Int64.init).withUnsafeBytes { hash.update(bytes: $0) }
        data.labels.withUnsafeBytes { hash.update(bytes: $0) }
        for start in stride(from: 0, to: data.count, by: 512) {
            data.images(at: Array(start..<min(start + 512, data.count))).scalars.withUnsafeBytes {
                hash.update(bytes: $0)
            }
        }
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
