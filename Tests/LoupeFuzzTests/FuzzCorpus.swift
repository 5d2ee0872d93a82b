import Foundation
import LoupeAttribution
import LoupeAudit
import LoupeData
import LoupeNN
import LoupeReport
import LoupeSupport
import LoupeTensor

/// Every format Loupe reads, with valid seeds made by Loupe's own writers (or, for IDX, CSV
/// and zip, byte for byte as the formats define them) and the entry point the CLI reads it
/// through. Seeds are tiny and deterministic: the same run seed gives the same cases.
enum FuzzCorpus {
    /// The classes, image side and example count of the seed datasets and predictions.
    static let classes = 3
    static let side = 4
    static let imageCount = 15
    static let predictedIDs = Array(0..<6)

    /// All targets; `scratch` is a folder for writers that only write to files.
    static func targets(scratch: URL) throws -> [FuzzTarget] {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let checkpoints = try checkpointSeeds(scratch: scratch)
        return [
            idxTarget(), idxGzipTarget(), idxGzipPayloadTarget(), npyDatasetTarget(), npzTarget(), npzMemberTarget(),
            csvDatasetTarget(), csvGzipPayloadTarget(), imageFolderTarget(),
            FuzzTarget(name: "safetensors", seeds: checkpoints, style: .binary, read: readCheckpointAndResume),
            FuzzTarget(
                name: "safetensors-header", seeds: checkpoints.compactMap(headerSeed), style: .json,
                read: readCheckpointAndResume),
            try checkpointArchitectureTarget(checkpoint: checkpoints[0]), architectureTarget(),
            try manifestTarget(scratch: scratch), predictionsNPYTarget(), predictionsCSVTarget(), attributesTarget(),
            epochLogitsTarget(), gradientsTarget(), attributionBaselineTarget(),
        ] + (try onnxTargets())
    }

    // MARK: Datasets (DatasetLoader.load, what --data resolves to)

    static func readDataset(_ folder: URL, _ file: URL) throws {
        _ = try DatasetLoader.load(file.path)
    }

    static var pixels: [UInt8] { (0..<imageCount * side * side).map { UInt8(truncatingIfNeeded: $0 &* 37) } }
    static var labels: [UInt8] { (0..<imageCount).map { UInt8($0 % classes) } }

    /// An IDX file: magic, big-endian dimensions, bytes.
    static func idx(magic: UInt32, dimensions: [Int], bytes: [UInt8]) -> [UInt8] {
        ([magic] + dimensions.map(UInt32.init)).flatMap { value in withUnsafeBytes(of: value.bigEndian) { Array($0) } }
            + bytes
    }

    static var idxImages: [UInt8] { idx(magic: 0x803, dimensions: [imageCount, side, side], bytes: pixels) }
    static var idxLabels: [UInt8] { idx(magic: 0x801, dimensions: [imageCount], bytes: labels) }

    /// Seeds of an IDX folder: one mutating the images, one the labels.
    static func idxSeeds(
        suffix: String, encode: @escaping @Sendable ([UInt8]) -> [UInt8], wrap: @escaping @Sendable ([UInt8]) -> [UInt8]
    ) -> [FuzzTarget.Seed] {
        let images = "data/images-idx3-ubyte" + suffix
        let labels = "data/labels-idx1-ubyte" + suffix
        return [
            .init(fixed: [labels: encode(idxLabels)], path: images, bytes: encode(idxImages), wrap: wrap),
            .init(fixed: [images: encode(idxImages)], path: labels, bytes: encode(idxLabels), wrap: wrap),
        ]
    }

    static func readIDXFolder(_ folder: URL, _ file: URL) throws {
        _ = try DatasetLoader.load(folder.appendingPathComponent("data").path)
    }

    static func idxTarget() -> FuzzTarget {
        FuzzTarget(
            name: "idx", seeds: idxSeeds(suffix: "", encode: { $0 }, wrap: { $0 }), style: .binary,
            read: readIDXFolder)
    }

    /// Mutations of the gzip stream itself (real deflate is not needed: stored blocks have the
    /// same header, lengths and trailer).
    static func idxGzipTarget() -> FuzzTarget {
        FuzzTarget(
            name: "idx-gzip", seeds: idxSeeds(suffix: ".gz", encode: Containers.gzip, wrap: { $0 }), style: .binary,
            read: readIDXFolder)
    }

    /// Mutations of the IDX payload inside a valid gzip stream.
    static func idxGzipPayloadTarget() -> FuzzTarget {
        FuzzTarget(
            name: "idx-gzip-payload",
            seeds: idxSeeds(suffix: ".gz", encode: Containers.gzip, wrap: Containers.gzip)
                .map { seed in
                    var seed = seed
                    seed.bytes = seed.path.contains("images") ? idxImages : idxLabels
                    return seed
                }, style: .binary, read: readIDXFolder)
    }

    static func npy(_ shape: [Int], _ elements: NPYArray.Elements) -> [UInt8] {
        NPYFile.encode(NPYArray(shape: shape, elements: elements))
    }

    /// Pairs of image and label arrays in the layouts and dtypes the loader accepts.
    static var arrayPairs: [(x: [UInt8], y: [UInt8])] {
        [
            (npy([imageCount, side, side], .uint8(pixels)), npy([imageCount], .int64(labels.map(Int64.init)))),
            (
                npy([imageCount, 1, side, side], .float32(pixels.map { Float($0) / 255 })),
                npy([imageCount], .uint8(labels))
            ),
            (npy([imageCount, side * side], .uint8(pixels)), npy([imageCount], .int32(labels.map(Int32.init)))),
        ]
    }

    static func npyDatasetTarget() -> FuzzTarget {
        let seeds = arrayPairs.flatMap { pair -> [FuzzTarget.Seed] in
            [
                .init(fixed: ["data/y.npy": pair.y], path: "data/x.npy", bytes: pair.x),
                .init(fixed: ["data/x.npy": pair.x], path: "data/y.npy", bytes: pair.y),
            ]
        }
        return FuzzTarget(name: "npy-dataset", seeds: seeds, style: .binary, read: readIDXFolder)
    }

    static func npzTarget() -> FuzzTarget {
        let seeds = arrayPairs.map { pair in
            FuzzTarget.Seed(path: "data.npz", bytes: Containers.zip([("x.npy", pair.x), ("y.npy", pair.y)]))
        }
        return FuzzTarget(name: "npz", seeds: seeds, style: .binary, read: readDataset)
    }

    /// Mutations of one member inside a zip whose CRCs and sizes hold.
    static func npzMemberTarget() -> FuzzTarget {
        let seeds = arrayPairs.flatMap { pair -> [FuzzTarget.Seed] in
            [
                .init(path: "data.npz", bytes: pair.x, wrap: { Containers.zip([("x.npy", $0), ("y.npy", pair.y)]) }),
                .init(path: "data.npz", bytes: pair.y, wrap: { Containers.zip([("x.npy", pair.x), ("y.npy", $0)]) }),
            ]
        }
        return FuzzTarget(name: "npz-member", seeds: seeds, style: .binary, read: readDataset)
    }

    static var csvTexts: [[UInt8]] {
        let rows = (0..<imageCount).map { image in
            ([String(labels[image])] + (0..<side * side).map { String(pixels[image * side * side + $0]) })
        }
        let plain = rows.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
        let header = "label," + (0..<side * side).map { "p\($0)" }.joined(separator: ",") + "\n"
        let floats = rows.map { row in
            ([row[0]] + row.dropFirst().map { String(Double($0)! / 255) }).joined(separator: ",")
        }.joined(separator: "\r\n")
        return [Array(plain.utf8), Array((header + plain).utf8), Array(floats.utf8)]
    }

    static func csvDatasetTarget() -> FuzzTarget {
        FuzzTarget(
            name: "csv-dataset", seeds: csvTexts.map { .init(path: "data.csv", bytes: $0) }, style: .text,
            read: readDataset)
    }

    static func csvGzipPayloadTarget() -> FuzzTarget {
        FuzzTarget(
            name: "csv-gzip-payload",
            seeds: csvTexts.map { .init(path: "data.csv.gz", bytes: $0, wrap: Containers.gzip) },
            style: .text, read: readDataset)
    }

    /// A 5x4 progressive colour JPEG (Pillow, quality 90).
    static let jpeg = [UInt8](
        Data(
            base64Encoded:
                "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBT/wgARCAAEAAUDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAX/xAAUAQEAAAAAAAAAAAAAAAAAAAAF/9oADAMBAAIQAxAAAAG4Ghf/xAAWEAEBAQAAAAAAAAAAAAAAAAAEAwX/2gAIAQEAAQUChiCCP//EABwRAAIBBQEAAAAAAAAAAAAAAAECAwAEBRFCUf/aAAgBAwEBPwGLJXyRoqzsBodHyv/EABkRAAEFAAAAAAAAAAAAAAAAAAEAAgMEEf/aAAgBAgEBPwGqAYW6v//EABkQAAIDAQAAAAAAAAAAAAAAAAMSAAECUv/aAAgBAQAGPwISAzbdT//EABcQAAMBAAAAAAAAAAAAAAAAAAARMdH/2gAIAQEAAT8hvv3UWn//2gAMAwEAAgADAAAAEA//xAAYEQEAAwEAAAAAAAAAAAAAAAABACExQf/aAAgBAwEBPxAWUrBMcGf/xAAXEQEAAwAAAAAAAAAAAAAAAAABABHh/9oACAECAQE/EHAW7P/EABcQAQEBAQAAAAAAAAAAAAAAABFRAAH/2gAIAQEAAT8QgGP0AAVv/9k="
        )!)

    /// Mutations of a JPEG and of PNGs (grey, RGB) in a class folder, beside valid images,
    /// read through the ImageFolder loader (no cache).
    static func imageFolderTarget() -> FuzzTarget {
        let grey = PNGImage(width: 5, height: 4, channels: .grayscale, pixels: Array(pixels.prefix(20)))
        let rgb = PNGImage(width: 5, height: 4, channels: .rgb, pixels: Array(pixels.prefix(60)))
        let (greyPNG, rgbPNG) = ([UInt8](grey.pngData()), [UInt8](rgb.pngData()))
        func folder(_ image: [UInt8], _ other: [UInt8]) -> [String: [UInt8]] {
            [
                "data/train/a/0.png": image, "data/train/b/0.png": other, "data/test/a/0.png": image,
                "data/test/b/0.png": image,
            ]
        }
        let seeds: [FuzzTarget.Seed] = [
            .init(fixed: folder(rgbPNG, jpeg), path: "data/train/a/1.jpg", bytes: jpeg),
            .init(fixed: folder(rgbPNG, jpeg), path: "data/test/b/1.png", bytes: rgbPNG),
            .init(fixed: folder(greyPNG, [UInt8](grey.pngData())), path: "data/train/b/1.png", bytes: greyPNG),
        ]
        return FuzzTarget(name: "imagefolder", seeds: seeds, style: .binary) { folder, _ in
            _ = try DatasetLoader.load(folder.appendingPathComponent("data").path)
        }
    }

    // MARK: Checkpoints and resume states (eval, attribute, difficulty --checkpoints, train --resume)

    /// What `eval` and `train --resume` do with a checkpoint: read it, then restore the trainer
    /// from its optimizer state, epoch and step.
    static func readCheckpointAndResume(_ folder: URL, _ file: URL) throws {
        let checkpoint = try ModelCheckpoint(contentsOf: file)
        var trainer = try Trainer(
            model: checkpoint.model, configuration: checkpoint.training ?? TrainingConfiguration())
        try trainer.restore(
            optimizerState: checkpoint.optimizerState, epoch: checkpoint.epoch, step: checkpoint.step,
            trainingExamples: imageCount)
    }

    static var tinyDataset: Dataset {
        get throws {
            try Dataset(
                name: "tiny", shape: ImageShape(channels: 1, height: side, width: side), classCount: classes,
                bytes: pixels, labels: labels.map(Int64.init))
        }
    }

    /// Checkpoints of every built-in architecture (the mlp with a dense-stored pruning mask and
    /// a weight pruned to CSR, the cnn with a weight pruned to a bitmap) and resume states with
    /// SGD-momentum and Adam optimizer state after an epoch of training.
    static func checkpointSeeds(scratch: URL) throws -> [FuzzTarget.Seed] {
        var files: [[UInt8]] = []
        func save(_ checkpoint: ModelCheckpoint) throws {
            let url = scratch.appendingPathComponent("checkpoint-\(files.count).safetensors")
            try checkpoint.write(to: url)
            files.append(Array(try Data(contentsOf: url)))
        }
        for architecture in architectures {
            var model = try Model(architecture: architecture, seed: 7)
            var masks: [String: Tensor] = [:]
            if architecture.name == "mlp", let (parameter, weights) = model.parameters.min(by: { $0.key < $1.key }) {
                masks[parameter] = Tensor(shape: weights.shape, scalars: (0..<weights.count).map { Float($0 % 2) })
            }
            // Removed weights zeroed as pruning does, so they are stored compactly: every other
            // weight of the cnn's first convolution kept (a bitmap), one in 32 of the mlp's
            // first layer (CSR).
            for (name, parameter, period) in [("cnn", "conv1.weight", 2), ("mlp", "fc1.weight", 32)]
            where architecture.name == name {
                var weights = model.parameters[parameter]!
                let mask = Tensor(shape: weights.shape, scalars: (0..<weights.count).map { $0 % period == 0 ? 1 : 0 })
                for position in 0..<weights.count { weights.scalars[position] *= mask.scalars[position] }
                model.parameters[parameter] = weights
                masks[parameter] = mask
            }
            try save(ModelCheckpoint(model: model, dataset: "fuzz", masks: masks))
        }
        let mlp = Architecture.builtin("mlp", inputShape: [1, side, side], classes: classes, hiddenWidths: [6])!
        for optimizer in [TrainingConfiguration.OptimizerKind.sgd, .adam] {
            var configuration = TrainingConfiguration()
            configuration.epochs = 1
            configuration.batchSize = 5
            configuration.optimizer = optimizer
            var trainer = try Trainer(model: try Model(architecture: mlp, seed: 3), configuration: configuration)
            try trainer.train(on: try tinyDataset, test: nil) { _, _ in }
            try save(
                ModelCheckpoint(
                    model: trainer.model, training: configuration, epoch: trainer.epoch, step: trainer.step,
                    dataset: "fuzz", optimizerState: trainer.optimizer.stateTensors()))
        }
        return files.map { .init(path: "model.safetensors", bytes: $0) }
    }

    /// A seed mutating a checkpoint's header JSON, its length prefix kept right.
    static func headerSeed(_ seed: FuzzTarget.Seed) -> FuzzTarget.Seed? {
        guard let (header, body) = Containers.safetensorsParts(seed.bytes) else { return nil }
        return .init(path: seed.path, bytes: header, wrap: { Containers.safetensors(header: $0, body: body) })
    }

    /// Mutations of the architecture JSON in a checkpoint's metadata (a model that lies about
    /// its shapes), in an otherwise valid file.
    static func checkpointArchitectureTarget(checkpoint: FuzzTarget.Seed) throws -> FuzzTarget {
        let (header, body) = Containers.safetensorsParts(checkpoint.bytes)!
        let json = try JSONSerialization.jsonObject(with: Data(header)) as! [String: Any]
        let metadata = json["__metadata__"] as! [String: String]
        let wrap: @Sendable ([UInt8]) -> [UInt8] = { architecture in
            var json = (try? JSONSerialization.jsonObject(with: Data(header)) as? [String: Any]) ?? [:]
            var metadata = metadata
            metadata["architecture"] = String(decoding: architecture, as: UTF8.self)
            json["__metadata__"] = metadata
            let encoded = (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])) ?? Data()
            return Containers.safetensors(header: Array(encoded), body: body)
        }
        return FuzzTarget(
            name: "checkpoint-architecture",
            seeds: [.init(path: "model.safetensors", bytes: Array(metadata["architecture"]!.utf8), wrap: wrap)],
            style: .json, read: readCheckpointAndResume)
    }

    // MARK: Architecture JSON (train --model file.json)

    /// The built-in architectures for 1 x 8 x 8 images with an eighth of their channels (so
    /// checkpoints stay a few KB), and one with every other layer type.
    static var architectures: [Architecture] {
        func small(_ layer: LayerDescription) -> LayerDescription {
            switch layer {
            case .conv2d(let name, let channels, let kernel, let stride, let padding, let bias):
                .conv2d(
                    name: name, outputChannels: max(2, channels / 8), kernelSize: kernel, stride: stride,
                    padding: padding, bias: bias)
            case .residual(let body, let shortcut): .residual(body: body.map(small), shortcut: shortcut?.map(small))
            default: layer
            }
        }
        var result = Architecture.builtinNames.compactMap { name in
            Architecture.builtin(name, inputShape: [1, 8, 8], classes: classes, hiddenWidths: [8]).map {
                Architecture(name: $0.name, inputShape: $0.inputShape, layers: $0.layers.map(small))
            }
        }
        result.append(
            Architecture(
                name: "mixed", inputShape: [1, 8, 8],
                layers: [
                    .conv2d(name: "stem", outputChannels: 2, kernelSize: 3, stride: 1, padding: 1, bias: true),
                    .batchNorm(name: "stem_bn"), .activation(.relu), .avgPool2d(kernelSize: 2, stride: 2),
                    .dropout(rate: 0.25),
                    .sequential([.flatten, .linear(name: "head", outputFeatures: classes, bias: false)]),
                ]))
        return result
    }

    /// What `train --model arch.json` does on 1 x 8 x 8 images of 3 classes: decode, check the
    /// input shape and output size, build the model.
    static func readArchitecture(_ folder: URL, _ file: URL) throws {
        let architecture = try Architecture(contentsOf: file)
        guard architecture.inputShape == [1, 8, 8] else { return }
        let outputs = try architecture.build().outputShape(for: [1, 8, 8])
        guard outputs == [classes] || (outputs.count == 1 && outputs[0] > classes) else { return }
        _ = try Model(architecture: architecture, seed: 1)
    }

    static func architectureTarget() -> FuzzTarget {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let seeds = architectures.compactMap { architecture in
            (try? encoder.encode(architecture)).map { FuzzTarget.Seed(path: "architecture.json", bytes: Array($0)) }
        }
        return FuzzTarget(name: "architecture-json", seeds: seeds, style: .json, read: readArchitecture)
    }

    // MARK: Run manifests (verify)

    /// A run folder with an output, an input and a manifest chained to an earlier one;
    /// `manifest.json` is mutated. Times and host are fixed so the seed is the same every run.
    static func manifestTarget(scratch: URL) throws -> FuzzTarget {
        let folder = scratch.appendingPathComponent("run", isDirectory: true)
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let fixed: [String: [UInt8]] = ["out.txt": Array("result\n".utf8)]
        for (path, bytes) in fixed { try Data(bytes).write(to: folder.appendingPathComponent(path)) }
        let record = { (path: String) in
            try FileRecord(measuring: folder.appendingPathComponent(path), recordedAs: path)
        }
        // Inputs are recorded by absolute path; a fixed one keeps the seed the same in every
        // scratch folder (verify reports it missing, which is not an error).
        let input = scratch.appendingPathComponent("input.npy")
        try Data(npy([2], .int64([0, 1]))).write(to: input)
        let inputRecord = try FileRecord(measuring: input, recordedAs: "/loupe-fuzz/input.npy")
        let date = Date(timeIntervalSince1970: 1_800_000_000)
        for seed in [UInt64(1), 2] {
            try RunManifest(
                tool: "loupe", toolVersion: "fuzz", gitCommit: nil, commandLine: ["loupe", "train"],
                configuration: .object(["epochs": .number(1)]), seeds: ["training": seed], threadCount: 1,
                inputs: [inputRecord], outputs: [try record("out.txt")], wallSeconds: 1,
                cpuSeconds: 1, peakMemoryBytes: 1 << 20, flops: [LayerFLOPs(layer: "fc1", forward: 10, backward: 20)],
                startedAt: date, endedAt: date,
                host: HostDescription(operatingSystem: "fuzz", cpuModel: nil, coreCount: 1)
            ).write(toDirectory: folder)
        }
        var files = fixed
        files["manifest-1.json"] = Array(try Data(contentsOf: folder.appendingPathComponent("manifest-1.json")))
        let manifest = Array(try Data(contentsOf: folder.appendingPathComponent("manifest.json")))
        return FuzzTarget(
            name: "run-manifest", seeds: [.init(fixed: files, path: "manifest.json", bytes: manifest)], style: .json,
            read: { folder, _ in _ = try ManifestVerifier.verify(directory: folder) })
    }

    // MARK: Audit inputs (--baseline-predictions, --compressed-predictions, --attributes)

    static var predictionLabels: [Int64] { (0..<5 * predictedIDs.count).map { Int64(($0 * 7) % classes) } }

    static func predictionsNPYTarget() -> FuzzTarget {
        let count = predictedIDs.count
        let seeds = [
            npy([5, count], .int64(predictionLabels)),
            npy([2, count], .int32(predictionLabels.prefix(2 * count).map(Int32.init))),
            npy([3, count, classes], .float32((0..<3 * count * classes).map { Float(($0 * 13) % 7) - 3 })),
        ].map { FuzzTarget.Seed(path: "predictions.npy", bytes: $0) }
        return FuzzTarget(name: "predictions-npy", seeds: seeds, style: .binary) { _, file in
            _ = try PopulationPredictions.readNPY(file, name: "p", exampleIDs: predictedIDs, classCount: classes)
        }
    }

    static func predictionsCSVTarget() -> FuzzTarget {
        var text = "model,id,label\n"
        for model in 0..<3 {
            for id in predictedIDs { text += "m\(model),\(id),\((model + id) % classes)\n" }
        }
        return FuzzTarget(
            name: "predictions-csv", seeds: [.init(path: "predictions.csv", bytes: Array(text.utf8))], style: .text
        ) { _, file in
            _ = try PopulationPredictions.readCSV(file, name: "p", classCount: classes, expectedIDs: predictedIDs)
        }
    }

    /// What `audit --attributes` does: read the table, then the subgroup analysis.
    static func attributesTarget() -> FuzzTarget {
        var text = "id,sex,age\n"
        for id in predictedIDs { text += "\(id),\(id % 2 == 0 ? "f" : "m"),\(["young", "old", "mid-aged"][id % 3])\n" }
        return FuzzTarget(
            name: "attributes-csv", seeds: [.init(path: "groups.csv", bytes: Array(text.utf8))], style: .text
        ) { _, file in
            let table = try AttributeTable.read(file)
            let rows = (0..<2).map { model in predictedIDs.map { Int32(($0 + model) % classes) } }
            let population = try PopulationPredictions(
                name: "p", exampleIDs: predictedIDs, classCount: classes, labels: rows)
            _ = try SubgroupImpactAnalysis(
                attributes: table, baseline: population, compressed: population,
                trueLabels: predictedIDs.map { Int32($0 % classes) })
        }
    }

    // MARK: Difficulty inputs (--epoch-logits, --gradients)

    static func epochLogitsTarget() -> FuzzTarget {
        let count = 4 * predictedIDs.count * classes
        let seeds = [
            npy([4, predictedIDs.count, classes], .float32((0..<count).map { Float($0 % 5) - 2 })),
            npy([2, predictedIDs.count, classes], .float64((0..<count / 2).map { Double($0 % 3) })),
        ].map { FuzzTarget.Seed(path: "logits.npy", bytes: $0) }
        return FuzzTarget(name: "epoch-logits-npy", seeds: seeds, style: .binary) { _, file in
            _ = try EpochLogits.readNPY(file)
        }
    }

    /// What `difficulty --gradients a.npy,b.npy` does: staged VoG over the files, then scores.
    static func gradientsTarget() -> FuzzTarget {
        let count = predictedIDs.count * side * side
        let first = npy([predictedIDs.count, side, side], .float32((0..<count).map { Float($0 % 9) / 9 }))
        let second = npy([predictedIDs.count, 1, side, side], .float64((0..<count).map { Double($0 % 5) / 5 }))
        let seeds = [
            FuzzTarget.Seed(fixed: ["g0.npy": first], path: "g1.npy", bytes: first),
            FuzzTarget.Seed(fixed: ["g0.npy": second], path: "g1.npy", bytes: second),
        ]
        return FuzzTarget(name: "gradients-npy", seeds: seeds, style: .binary) { folder, file in
            let files = [folder.appendingPathComponent("g0.npy"), file]
            let staged = try StagedVarianceOfGradients.readNPY(checkpoints: files, stages: [.all])
            _ = try staged.scores(for: .all)
            _ = try VarianceOfGradients.readNPY(checkpoints: files)
        }
    }

    // MARK: Attribution baseline (attribute --baseline file.npy)

    /// What `attribute --baseline x.npy` does for a model of input 1 x 4 x 4.
    static func attributionBaselineTarget() -> FuzzTarget {
        let seeds = [
            npy([1, side, side], .float32((0..<side * side).map { Float($0) / 16 })),
            npy([1, side, side], .float32((0..<side * side).map { Float($0 % 3) - 1 })),
        ].map { FuzzTarget.Seed(path: "baseline.npy", bytes: $0) }
        return FuzzTarget(name: "attribution-baseline-npy", seeds: seeds, style: .binary) { _, file in
            let array = try NPYFile.read(file)
            guard case .float32(let values) = array.elements else { return }
            _ = try Baseline.given(Tensor(shape: array.shape, scalars: values)).image(for: [1, side, side])
        }
    }
}
