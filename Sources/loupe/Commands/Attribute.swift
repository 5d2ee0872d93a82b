import ArgumentParser
import Foundation
import LoupeAttribution
import LoupeData
import LoupeNN
import LoupeReport
import LoupeSupport
import LoupeTensor

struct Attribute: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Attribution maps of a checkpoint for chosen examples, as NPY arrays and an HTML page.",
        discussion: """
            Explains the target class's logit of each selected example with every --method: \
            gradient, gradient-x-input, integrated-gradients, guided-backprop, the controls \
            random and sobel, and the wrappers smoothgrad, smoothgrad-squared and vargrad, \
            bare (of the gradient) or around any method, e.g. smoothgrad(integrated-gradients).

            Examples: --ids (ids of the --split), --top-cie (the CIEs with the highest Taxicab \
            score in a `loupe audit` cie.csv; test split by default) or --top-vog (the highest \
            VoG in a `loupe difficulty` difficulty.csv; train split by default).

            Writes into --out: <method>.npy per method ([examples, C, H, W] float32), ids.npy, \
            examples.csv (id, label, prediction, target, the ranking score, and the \
            completeness error of integrated gradients), attributions.html (image, heatmap \
            and overlay per example and method) and manifest.json. Nothing is written if an \
            input is wrong.
            """)

    @Option(help: "A checkpoint written by `loupe train` (.safetensors).") var modelFile: String
    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Comma-separated methods (see above).") var method: String = "gradient"
    @Option(help: "Comma-separated example ids.") var ids: String?
    @Option(help: "A `loupe audit` cie.csv (or its directory): explain its top CIEs.") var topCie: String?
    @Option(help: "The audit variant for --top-cie (default: the last in the file).") var cieVariant: String?
    @Option(help: "A `loupe difficulty` difficulty.csv (or its directory): explain its highest VoG.")
    var topVog: String?
    @Option(help: "The difficulty.csv column --top-vog ranks by.") var vogScore: String = "vog-normalized"
    @Option(help: "How many examples --top-cie and --top-vog take.") var count: Int = 16
    @Option(
        help:
            "The split the ids refer to: test or train (default: train for --top-vog, test otherwise; --ids found only in the training split of data whose splits share no id select it)."
    )
    var split: Eval.Split?
    @Option(help: "The class explained: predicted, label or a class number.") var target: String = "predicted"
    @Option(
        help: ArgumentHelp(
            "Integrated-gradients baseline: zero, black (the data's minimum), mean (the training split's mean image) or an NPY file of one image.",
            valueName: "zero|black|mean|file.npy"))
    var baseline: String = "zero"
    @OptionGroup var methodOptions: AttributionMethodOptions
    @Option(help: "Threads.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Output directory.") var out: String = "runs/attribute"

    func run() throws {
        // Everything that can be wrong is read and computed before the output directory exists.
        let selectionOptions = [ids, topCie, topVog].compactMap { $0 }
        guard selectionOptions.count == 1 else {
            throw AttributionError(source: "--ids, --top-cie, --top-vog", problem: "give exactly one of them")
        }
        guard count >= 1 else { throw AttributionError(source: "--count", problem: "must be at least 1, got \(count)") }
        let threads = max(1, threads)
        let checkpoint = try ModelCheckpoint(contentsOf: URL(fileURLWithPath: modelFile))
        let model = checkpoint.model
        let splits = try dataOptions.load().splits
        let selection: ExampleSelection
        if let ids {
            selection = try .ids(ids)
        } else if let topCie {
            selection = try .topCIEs(topCie, variant: cieVariant, count: count)
        } else {
            selection = try .topVoG(topVog!, column: vogScore, count: count)
        }
        var chosenSplit = split ?? (topVog != nil ? .train : .test)
        if split == nil, topCie == nil, topVog == nil,
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
            throw FileError(
                path: modelFile,
                problem: "model expects images \(model.architecture.inputShape) but \(dataOptions.data) has \(shape)")
        }
        let positionOfId = Dictionary(pool.ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let positions = try selection.ids.map { id -> Int in
            guard let position = positionOfId[id] else {
                throw AttributionError(
                    source: "example id \(id)",
                    problem: "not in the \(chosenSplit.rawValue) split of \(dataOptions.data) (choose another --split)")
            }
            return position
        }
        let examples = pool.subset(positions, name: "\(pool.name) selection")
        let inputRange = InputRange(of: splits.train)
        var inputs = [URL(fileURLWithPath: modelFile)] + pool.sources + selection.sources
        let baselineValue: Baseline
        switch baseline {
        case "zero": baselineValue = .zero
        case "black": baselineValue = .black(inputRange)
        case "mean": baselineValue = Baseline.mean(of: splits.train)
        default:
            let url = URL(fileURLWithPath: baseline)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw AttributionError(
                    source: "--baseline", problem: "expected zero, black, mean or an NPY file, got '\(baseline)'")
            }
            let array = try NPYFile.read(url)
            guard case .float32(let values) = array.elements else {
                throw FileError(path: url.path, problem: "baseline must be float32, got \(array.elements.descriptor)")
            }
            do throws(AttributionError) {
                baselineValue = .given(Tensor(shape: array.shape, scalars: values))
                _ = try baselineValue.image(for: model.architecture.inputShape)
            } catch {
                throw FileError(path: url.path, problem: error.problem)
            }
            inputs.append(url)
        }
        let settings = methodOptions.settings(inputRange: inputRange, baseline: baselineValue)
        let methods = try AttributionMethodParser.methods(named: method, settings: settings)
        let targets = try AttributionTarget(parsing: target).classes(for: examples, model: model, threads: threads)
        let predictions = try AttributionTarget.predicted.classes(for: examples, model: model, threads: threads)

        print(
            "attribute: \(methods.map(\.name).joined(separator: ", ")) for \(examples.count) \(chosenSplit.rawValue) examples of \(dataOptions.data), target \(target)"
        )
        var maps: [Tensor] = []
        var completeness: [(name: String, errors: [Float])] = []
        for method in methods {
            let stopwatch = Date()
            if let integrated = method as? IntegratedGradients {
                // In batches, as `attributions(of:)` does, keeping the completeness errors.
                let batches = stride(from: 0, to: examples.count, by: 32).map { $0..<min($0 + 32, examples.count) }
                let explanations = try Parallel.map(count: batches.count, threads: threads) {
                    index -> Result<IntegratedGradients.Explanation, AttributionError> in
                    do throws(AttributionError) {
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
                        of: examples, targets: targets, model: model, runSeed: methodOptions.seed, threads: threads))
            }
            print(String(format: "  %@: %.2f s", method.name, Date().timeIntervalSince(stopwatch)))
        }
        for (name, errors) in completeness {
            let largest = errors.map(abs).max() ?? 0
            print("  \(name): largest |completeness error| \(largest) (\(settings.steps) steps)")
        }

        struct Configuration: Encodable {
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
        var directory = try RunDirectory(
            path: out,
            configuration: Configuration(
                modelFile: modelFile, data: dataOptions.description, split: chosenSplit.rawValue,
                methods: methods.map(\.name), ids: examples.ids, target: target, baseline: baseline,
                steps: settings.steps, samples: settings.samples, noise: settings.noiseFraction,
                inputRange: [inputRange.lower, inputRange.upper]),
            seeds: ["attribution": methodOptions.seed], threads: threads)
        try directory.recordInputs(inputs)
        for (method, map) in zip(methods, maps) {
            try NPYFile.write(
                map.scalars, shape: map.shape, to: directory.output(attributionFileName(method.name) + ".npy"))
        }
        try NPYFile.write(examples.ids.map(Int64.init), shape: [examples.count], to: directory.output("ids.npy"))
        var header = ["id", "label", "prediction", "target"]
        if let score = selection.score { header.append(score.column) }
        header += completeness.map { "\($0.name)_completeness_error" }
        var table = CSVTable(header: header)
        for index in 0..<examples.count {
            var row = [
                String(examples.ids[index]), String(examples.labels[index]), String(predictions[index]),
                String(targets[index]),
            ]
            if let score = selection.score { row.append(CSVTable.cell(score.values[index])) }
            row += completeness.map { CSVTable.cell($0.errors[index]) }
            table.append(row)
        }
        try table.write(to: directory.output("examples.csv"))
        try report(
            examples: examples, methods: methods.map(\.name), maps: maps, predictions: predictions, targets: targets,
            selection: selection, range: inputRange
        ).write(to: directory.output("attributions.html"))
        try directory.finish()
        print(
            "wrote \(methods.count) map\(methods.count == 1 ? "" : "s"), ids.npy, examples.csv, attributions.html and manifest.json to \(directory.url.path)"
        )
    }

    func report(
        examples: Dataset, methods: [String], maps: [Tensor], predictions: [Int], targets: [Int],
        selection: ExampleSelection, range: InputRange
    ) -> HTMLReport {
        var page = HTMLReport(title: "Loupe attribution maps")
        page.addParagraph(
            "For each example and method: the image, the attribution map (summed over channels; blue negative, white zero, red positive, scaled to the map's largest magnitude) and the map over the image."
        )
        var parameters: [(name: String, value: String)] = [
            ("model", modelFile), ("data", "\(dataOptions.data), \(examples.count) examples"),
            ("methods", methods.joined(separator: ", ")), ("target", target), ("baseline", baseline),
            (
                "settings",
                "\(methodOptions.steps) steps, \(methodOptions.samples) samples, noise \(methodOptions.noise), seed \(methodOptions.seed)"
            ),
        ]
        if let score = selection.score { parameters.append(("selection", "highest \(score.description)")) }
        page.addParameters(parameters)
        let (channels, height, width) = (examples.shape.channels, examples.shape.height, examples.shape.width)
        let size = channels * height * width
        for index in 0..<examples.count {
            let pixels = examples.images(at: [index]).scalars
            let image = AttributionPicture.image(pixels, channels: channels, height: height, width: width, range: range)
            var title =
                "id \(examples.ids[index]): label \(examples.labels[index]), predicted \(predictions[index]), target \(targets[index])"
            if let score = selection.score { title += String(format: ", %@ %.4g", score.column, score.values[index]) }
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
