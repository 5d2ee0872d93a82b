import Foundation
import LoupeData
import LoupeNN
import LoupeSupport

/// The attribution maps of one method on the training and the test set, computed once and
/// kept in `maps/<method>/` as `train.npy` and `test.npy` (`[examples, C, H, W]` float32)
/// beside `maps.json`, an ``AttributionMapRecord`` with their SHA-256.
struct AttributionMapCache {
    let directory: URL

    init(root: URL, method: String) {
        directory = root.appendingPathComponent(Self.folderName(method))
    }

    /// `method` with every character other than letters, digits, `.`, `_` and `-` replaced
    /// by `_`, so that any method name makes one folder.
    static func folderName(_ method: String) -> String {
        String(
            method.unicodeScalars.map { scalar in
                ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                    || "._-".unicodeScalars.contains(scalar) ? Character(scalar) : "_"
            })
    }

    var recordURL: URL { directory.appendingPathComponent("maps.json") }

    func url(_ split: ExampleSeeds.Split) -> URL {
        directory.appendingPathComponent(split == .train ? "train.npy" : "test.npy")
    }

    /// The record of maps made for `method` from `baseModel` with `seed`, under the spec
    /// whose fixed part hashes to `spec`, of the given shapes, if there is one and both files
    /// still have their recorded hashes.
    func verifiedRecord(
        method: String, baseModel: String, seed: UInt64, spec: String, trainShape: [Int], testShape: [Int]
    ) -> AttributionMapRecord? {
        guard let data = try? Data(contentsOf: recordURL),
            let record = try? DeterministicJSON.decode(AttributionMapRecord.self, from: data),
            record.method == method, record.baseModel == baseModel, record.seed == seed, record.spec == spec,
            record.trainShape == trainShape, record.testShape == testShape
        else { return nil }
        for split in [ExampleSeeds.Split.train, .test] {
            let file = url(split)
            guard let hash = try? SHA256.hex(ofFile: file), hash == record.files[file.lastPathComponent] else {
                return nil
            }
        }
        return record
    }

    /// Computes both splits' maps of `method` towards `targets` (one class per example),
    /// writes them and their record atomically (the record last) and returns the record.
    func compute(
        method: any AttributionMethod, model: Model, train: Dataset, trainTargets: [Int], test: Dataset,
        testTargets: [Int], baseModel: String, seed: UInt64, spec: String, batchSize: Int, threads: Int,
        advanced: @Sendable (Int) -> Void
    ) throws -> AttributionMapRecord {
        let watch = Stopwatch()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var files: [String: String] = [:]
        var shapes: [[Int]] = []
        for (split, dataset, targets) in [(ExampleSeeds.Split.train, train, trainTargets), (.test, test, testTargets)] {
            let maps = try Self.maps(
                of: method, model: model, dataset: dataset, targets: targets, split: split, seed: seed,
                batchSize: batchSize, threads: threads, advanced: advanced)
            let shape = [dataset.count, dataset.shape.channels, dataset.shape.height, dataset.shape.width]
            let bytes = Data(NPYFile.encode(NPYArray(shape: shape, elements: .float32(maps))))
            try AtomicFile.write(bytes, to: url(split))
            files[url(split).lastPathComponent] = SHA256.hex(of: bytes)
            shapes.append(shape)
        }
        let record = AttributionMapRecord(
            method: method.name, baseModel: baseModel, seed: seed, spec: spec, trainShape: shapes[0],
            testShape: shapes[1],
            files: files, seconds: watch.elapsedSeconds)
        try AtomicFile.write(try DeterministicJSON.encode(record), to: recordURL)
        return record
    }

    /// The cached maps of `split`, checked against the expected shape and, as freshly computed
    /// maps are, for values that are not finite.
    func load(_ split: ExampleSeeds.Split, shape: [Int]) throws -> [Float] {
        let array = try NPYFile.read(url(split))
        guard array.shape == shape, case .float32(let values) = array.elements else {
            throw InputError(source: url(split).path, problem: "expected float32 maps of shape \(shape)")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw InputError(source: url(split).path, problem: "non-finite attribution \(values[bad]) at value \(bad)")
        }
        return values
    }

    /// The maps of every example of `dataset`, in order (`AttributionMethod.attributions(of:)`
    /// with ROAR's per-method, per-split example seeds), rejecting non-finite values.
    static func maps(
        of method: any AttributionMethod, model: Model, dataset: Dataset, targets: [Int], split: ExampleSeeds.Split,
        seed: UInt64, batchSize: Int, threads: Int, advanced: @Sendable (Int) -> Void
    ) throws -> [Float] {
        let name = method.name
        let maps = try method.attributions(
            of: dataset, targets: targets, model: model,
            seedOfExample: { ExampleSeeds.seed(runSeed: seed, method: name, split: split, id: $0) },
            threads: threads, batchSize: batchSize, advanced: advanced
        ).scalars
        if let bad = maps.firstIndex(where: { !$0.isFinite }) {
            throw InputError(
                source: name,
                problem:
                    "non-finite attribution \(maps[bad]) for example id \(dataset.ids[bad / dataset.shape.pixelCount])")
        }
        return maps
    }
}
