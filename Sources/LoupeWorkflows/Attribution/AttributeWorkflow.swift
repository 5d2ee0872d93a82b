import Foundation
import LoupeAttribution
import LoupeData
import LoupeNN
import LoupeReport
import LoupeSupport
import LoupeTensor

/// Attribution maps of a checkpoint for chosen examples: every method's maps, the examples'
/// table (with integrated gradients' completeness errors) and an HTML page.
public struct AttributeWorkflow {
    /// The examples explained.
    public enum Selection: Sendable {
        /// These example ids, in this order.
        case ids([Int])
        /// The CIEs of `variant` (default: the last) with the highest Taxicab score in a
        /// `loupe audit` cie.csv (or its folder).
        case topCIEs(URL, variant: String?, count: Int)
        /// The highest values of a VoG column in a `loupe difficulty` difficulty.csv (or its folder).
        case topVoG(URL, column: String, count: Int)
    }

    public struct Configuration: Sendable {
        /// A checkpoint written by `loupe train`.
        public var modelFile: URL
        public var data: DataSource
        /// Comma-separated method names, e.g. `gradient,smoothgrad(integrated-gradients)`.
        public var methods = "gradient"
        public var selection: Selection
        /// The split the ids refer to; nil: train for a VoG ranking, test otherwise (ids found
        /// only in the training split of data whose splits share no id select it).
        public var split: EvaluatedSplit?
        /// The class explained: `predicted`, `label` or a class number.
        public var target = "predicted"
        /// Integrated gradients' baseline: `zero`, `black`, `mean` or an NPY file of one image.
        public var baseline = "zero"
        public var settings = MethodSettings()
        public var threads = 1

        public init(modelFile: URL, data: DataSource, selection: Selection) {
            (self.modelFile, self.data, self.selection) = (modelFile, data, selection)
        }
    }

    /// The maps of every method, in the order of the methods.
    public struct Result {
        /// The explained examples.
        public var examples: Dataset
        public var methods: [String]
        /// `[examples, C, H, W]` per method.
        public var maps: [Tensor]
        public var predictions: [Int]
        public var targets: [Int]
        /// Integrated gradients' completeness error of every example, per method that has one.
        public var completeness: [(name: String, errors: [Float])]
        var configuration: Configuration
        var selection: ExampleSelection
        var chosenSplit: EvaluatedSplit
        var inputRange: InputRange
        var inputs: [URL]
        /// When the workflow's run began: the manifest's wall and CPU seconds cover all its work.
        var start = RunStart()

        /// Writes `<method>.npy` per method, ids.npy, examples.csv, attributions.html and
        /// manifest.json.
        public func write(to folder: URL) throws {
            struct ManifestConfiguration: Encodable {
                var command = "attribute"
                var modelFile: String
                var data: String
                var split: String
                var methods: [String]
                var ids: [Int]
                var target: String
                var baseline: String
                var steps: Int
                var samples: Int
                var noise: Float
                var inputRange: [Float]
            }
            let settings = configuration.settings
            var directory = try RunDirectory(
                path: folder.relativePath,
                configuration: ManifestConfiguration(
                    modelFile: configuration.modelFile.relativePath, data: configuration.data.description,
                    split: chosenSplit.rawValue, methods: methods, ids: examples.ids, target: configuration.target,
                    baseline: configuration.baseline, steps: settings.steps, samples: settings.samples,
                    noise: settings.noise, inputRange: [inputRange.lower, inputRange.upper]),
                seeds: ["attribution": settings.seed], threads: max(1, configuration.threads), start: start)
            try directory.recordInputs(inputs)
            directory.recordData([examples])
            for (method, map) in zip(methods, maps) {
                try NPYFile.write(
                    map.scalars, shape: map.shape, to: directory.output(attributionFileName(method) + ".npy"))
            }
            try NPYFile.write(examples.ids.map(Int64.init), shape: [examples.count], to: directory.output("ids.npy"))
            var header = ["id", "label", "prediction", "target"] + examples.namingColumns
            if let score = selection.score { header.append(score.column) }
            header += completeness.map { "\($0.name)_completeness_error" }
            var table = CSVTable(header: header)
            for index in 0..<examples.count {
                var row: [CSVTable.Cell] =
                    [
                        .number(examples.ids[index]), .number(examples.labels[index]), .number(predictions[index]),
                        .number(targets[index]),
                    ] + examples.namingCells(at: index).map(CSVTable.Cell.text)
                if let score = selection.score { row.append(.number(score.values[index])) }
                row += completeness.map { .number($0.errors[index]) }
                table.append(row)
            }
            try table.write(to: directory.output("examples.csv"))
            try report.write(to: directory.output("attributions.html"))
            try directory.finish()
        }

        var report: HTMLReport {
            let settings = configuration.settings
            var page = HTMLReport(title: "Loupe attribution maps")
            page.addParagraph(
                "For each example and method: the image, the attribution map (summed over channels; blue negative, white zero, red positive, scaled to the map's largest magnitude) and the map over the image."
            )
            var parameters: [(name: String, value: String)] = [
                ("model", HTMLReport.isolated(configuration.modelFile.relativePath)),
                ("data", "\(HTMLReport.isolated(configuration.data.data)), \(examples.count) examples"),
                ("methods", methods.joined(separator: ", ")), ("target", configuration.target),
                ("baseline", configuration.baseline),
                (
                    "settings",
                    "\(settings.steps) steps, \(settings.samples) samples, noise \(settings.noise), seed \(settings.seed)"
                ),
            ]
            if let score = selection.score { parameters.append(("selection", "highest \(score.description)")) }
            page.addParameters(parameters)
            let (channels, height, width) = (examples.shape.channels, examples.shape.height, examples.shape.width)
            let size = channels * height * width
            for index in 0..<examples.count {
                let pixels = examples.images(at: [index]).scalars
                let image = AttributionPicture.image(
                    pixels, channels: channels, height: height, width: width, range: inputRange)
                var title =
                    "id \(examples.ids[index]): label \(examples.labels[index]), predicted \(predictions[index]), target \(targets[index])"
                if let score = selection.score {
                    title += String(format: ", %@ %.4g", score.column, score.values[index])
                }
                title += examples.namingCaption(at: index).map { " (\($0))" }.joined()
                page.addHeading(title, level: 3)
                let items = zip(methods, maps).map { name, map in
                    let values = Array(map.scalars[(index * size)..<((index + 1) * size)])
                    let heatmap = AttributionPicture.heatmap(values, channels: channels, height: height, width: width)
                    let largest = values.reduce(0) { max($0, abs($1)) }
                    return HTMLReport.GalleryItem(
                        image: AttributionPicture.triplet(image: image, heatmap: heatmap),
                        captionLines: [name, String(format: "max |a| %.3g", largest)])
                }
                page.addGallery(items, scale: 2)
            }
            return page
        }
    }

    public var configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// Reads and computes everything; nothing is written, so a wrong input leaves no output.
    public func run(progress: any WorkflowProgress) throws -> Result {
        let start = RunStart()
        let config = configuration
        let modelFile = config.modelFile.relativePath
        let dataName = config.data.data
        let threads = max(1, config.threads)
        let model = try ModelFile.load(config.modelFile).model
        let splits = try config.data.load().splits
        let selection: ExampleSelection
        var isVoG = false
        switch config.selection {
        case .ids(let ids): selection = ExampleSelection(ids: ids, score: nil, sources: [])
        case .topCIEs(let url, let variant, let count):
            selection = try .topCIEs(url.relativePath, variant: variant, count: count)
        case .topVoG(let url, let column, let count):
            selection = try .topVoG(url.relativePath, column: column, count: count)
            isVoG = true
        }
        var chosenSplit = config.split ?? (isVoG ? .train : .test)
        if config.split == nil, case .ids = config.selection,
            !Set(selection.ids).isSubset(of: Set(splits.test.ids)),
            Set(selection.ids).isSubset(of: Set(splits.train.ids)),
            Set(splits.train.ids).isDisjoint(with: splits.test.ids)
        {
            // Ids of one source file split in two (mnist-5k) say which split they belong to.
            chosenSplit = .train
        }
        let pool = chosenSplit == .train ? splits.train : splits.test
        let shape = [pool.shape.channels, pool.shape.height, pool.shape.width]
        guard shape == model.architecture.inputShape else {
            throw InputError(
                source: modelFile,
                problem: "model expects images \(model.architecture.inputShape) but \(dataName) has \(shape)")
        }
        let positionOfId = Dictionary(pool.ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let positions = try selection.ids.map { id -> Int in
            guard let position = positionOfId[id] else {
                throw InputError(
                    source: "example id \(id)",
                    problem: "not in the \(chosenSplit.rawValue) split of \(dataName) (choose another --split)")
            }
            return position
        }
        let examples = pool.subset(positions, name: "\(pool.name) selection")
        let inputRange = InputRange(of: splits.train)
        var inputs = ModelFile.inputs(config.modelFile) + pool.sources + selection.sources
        let baselineValue: Baseline
        switch config.baseline {
        case "zero": baselineValue = .zero
        case "black": baselineValue = .black(inputRange)
        case "mean": baselineValue = Baseline.mean(of: splits.train)
        default:
            let url = URL(fileURLWithPath: config.baseline)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw InputError(
                    source: "--baseline", problem: "expected zero, black, mean or an NPY file, got '\(config.baseline)'"
                )
            }
            let array = try NPYFile.read(url)
            guard case .float32(let values) = array.elements else {
                throw InputError(
                    source: url.path, problem: "baseline must be float32, got \(array.elements.descriptor)")
            }
            do throws(InputError) {
                baselineValue = .given(Tensor(shape: array.shape, scalars: values))
                _ = try baselineValue.image(for: model.architecture.inputShape)
            } catch {
                throw InputError(source: url.path, problem: error.problem)
            }
            inputs.append(url)
        }
        let settings = config.settings.settings(inputRange: inputRange, baseline: baselineValue)
        let methods = try AttributionMethodParser.methods(named: config.methods, settings: settings)
        let targets = try AttributionTarget(parsing: config.target).classes(
            for: examples, model: model, threads: threads)
        let predictions = try AttributionTarget.predicted.classes(for: examples, model: model, threads: threads)

        progress.log(
            "attribute: \(methods.map(\.name).joined(separator: ", ")) for \(examples.count) \(chosenSplit.rawValue) examples of \(dataName), target \(config.target)"
        )
        var maps: [Tensor] = []
        var completeness: [(name: String, errors: [Float])] = []
        for method in methods {
            let stopwatch = Date()
            if let integrated = method as? IntegratedGradients {
                // In batches, as `attributions(of:)` does, keeping the completeness errors.
                let batches = stride(from: 0, to: examples.count, by: 32).map { $0..<min($0 + 32, examples.count) }
                let explanations = try Parallel.map(count: batches.count, threads: threads) {
                    index -> Swift.Result<IntegratedGradients.Explanation, InputError> in
                    do throws(InputError) {
                        let range = batches[index]
                        return .success(
                            try integrated.explain(
                                examples.images(at: Array(range)), targets: Array(targets[range]), model: model))
                    } catch {
                        return .failure(error)
                    }
                }.map { try $0.get() }
                maps.append(Tensor.concatenating(explanations.map(\.attributions)))
                completeness.append((method.name, explanations.flatMap(\.completenessErrors)))
            } else {
                maps.append(
                    try method.attributions(
                        of: examples, targets: targets, model: model, runSeed: config.settings.seed, threads: threads))
            }
            progress.log(String(format: "  %@: %.2f s", method.name, Date().timeIntervalSince(stopwatch)))
        }
        for (name, errors) in completeness {
            let largest = errors.map(abs).max() ?? 0
            progress.log("  \(name): largest |completeness error| \(largest) (\(settings.steps) steps)")
        }
        return Result(
            examples: examples, methods: methods.map(\.name), maps: maps, predictions: predictions, targets: targets,
            completeness: completeness, configuration: config, selection: selection, chosenSplit: chosenSplit,
            inputRange: inputRange, inputs: inputs, start: start)
    }
}
