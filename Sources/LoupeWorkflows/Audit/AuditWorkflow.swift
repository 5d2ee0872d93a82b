import Foundation
import LoupeAudit
import LoupeCompress
import LoupeData
import LoupeNN
import LoupeReport
import LoupeSupport

/// The compression audit: a population per variant (trained into the run folder, or given
/// as predictions made elsewhere), each compressed population compared with the dense one
/// on the evaluated split: CIEs, class and subgroup impact, an HTML report.
public struct AuditWorkflow {
    /// Predictions of populations trained elsewhere (NPY labels or logits, or CSV `model,id,label`).
    public struct ExternalPredictions: Sendable {
        public var baseline: URL
        /// One file per compressed population, named after the file.
        public var compressed: [URL]

        public init(baseline: URL, compressed: [URL]) { (self.baseline, self.compressed) = (baseline, compressed) }
    }

    public struct Configuration: Sendable {
        public var data: DataSource
        /// The populations to train (also the seed and threads recorded with external predictions).
        public var population: PopulationRecipe
        /// Audit these instead of training.
        public var predictions: ExternalPredictions?
        /// CSV of group attributes: an id column, then one column per attribute.
        public var attributes: URL?
        /// CIE thumbnails per variant in report.html.
        public var gallery = 48
        /// Seed of the random comparison sample.
        public var sampleSeed: UInt64 = 0
        /// The audited examples: the held-out split, or the training split (where label noise is).
        public var evaluate: EvaluatedSplit = .test
        /// The run folder (the population is trained into `population/` inside it).
        public var output: URL
        /// Timed runs of each kernel per population and batch size for the latency
        /// measurement (variants.csv, latency.json, frontier.html); 0 measures nothing.
        /// Predictions made elsewhere are never timed.
        public var latencyRuns = 10
        /// A run on one machine, a shard task (``runShard(progress:)``) or the collection of
        /// the outputs the tasks' units make.
        public var role: ShardRole = .whole

        public init(data: DataSource, population: PopulationRecipe, output: URL) {
            (self.data, self.population, self.output) = (data, population, output)
        }
    }

    /// Every compressed variant's analysis, ready to be written.
    public struct Result {
        public var analyses: [VariantAnalysis]
        /// The audited examples.
        public var evaluated: Dataset
        /// With label noise: how many flipped labels each variant's CIEs catch.
        public var labelNoise: AuditLabelNoise?
        var trained: URL?
        var configuration: JSONValue
        var inputs: [URL]
        var memberSeconds: [String: Double]
        var outputs: CompressionAuditOutputs
        var sampleSeed: UInt64
        var threads: Int
        var shardRecords: [ShardRecord] = []
        /// When ``AuditWorkflow/run(progress:)`` began: the manifest's wall and CPU seconds
        /// count the training, not only the writing.
        var start = RunStart()

        /// Writes cie.csv, cie.jsonl, classes.csv, groups.csv (with attributes), summary.json,
        /// report.html, label-noise.json (with label noise) and manifest.json; returns the names
        /// of all but the manifest. A trained audit must be written into its run folder.
        public func write(to folder: URL) throws -> [String] {
            if let trained { try RunDirectory.requireSame(folder, as: trained) }
            var directory = try RunDirectory(
                path: folder.relativePath, configuration: configuration, seeds: ["sample": sampleSeed],
                threads: threads, start: start)
            try directory.recordInputs(inputs)
            directory.recordData([evaluated])
            directory.recordPhases(memberSeconds)
            directory.recordShardTasks(shardRecords)
            var written = try outputs.write(into: &directory)
            if let labelNoise {
                try AtomicFile.write(try DeterministicJSON.encode(labelNoise), to: directory.output("label-noise.json"))
                written.append("label-noise.json")
            }
            directory.recordOutputs(under: ["population"])
            try directory.finish()
            return written
        }
    }

    public var configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// Makes the missing members of the shard's work units (the configuration's role must be
    /// a shard task) into the run folder, shared with the run's other tasks, and writes no
    /// outputs.
    public func runShard(progress: any WorkflowProgress) throws -> ShardReport {
        let config = configuration
        guard case .task(let shard) = config.role else { throw OptionError("runShard needs a shard task's role") }
        guard config.predictions == nil else {
            throw OptionError("--shard: audited predictions made elsewhere train nothing, so there is nothing to shard")
        }
        let clock = ShardTaskClock(shard)  // from before the data is read: start-up counts
        let splits = try config.data.load().splits
        let (spec, baseModels) = try config.population.makePopulation(
            data: config.data.description, train: splits.train)
        guard spec.orderedVariants.count >= 2 else {
            throw OptionError("--variants needs at least one compressed variant besides dense")
        }
        try RunDirectory.claim(path: config.output.relativePath, shared: true)
        return try runPopulationShard(
            clock, spec: spec, baseModels: baseModels, splits: splits,
            evaluate: config.evaluate == .test ? splits.test : splits.train,
            directory: config.output.appendingPathComponent("population"), runFolder: config.output,
            threads: config.population.threads, progress: progress)
    }

    /// Trains (or, collecting, verifies) the populations and compares them; the result is
    /// written by ``Result/write(to:)``.
    public func run(progress: any WorkflowProgress) throws -> Result {
        let start = RunStart()
        let config = configuration
        if case .task = config.role { throw OptionError("a shard task writes no outputs: use runShard") }
        if config.role != .whole, config.predictions != nil {
            throw OptionError(
                "--collect: audited predictions made elsewhere train nothing, so there is nothing to collect")
        }
        let prepared = try config.data.load()
        let splits = prepared.splits
        let evaluated = config.evaluate == .test ? splits.test : splits.train
        let attributeTable = try config.attributes.map { try AttributeTable.read($0) }
        if let attributeTable, let attributes = config.attributes {
            let known = Set(evaluated.ids)
            if let unknown = attributeTable.ids.first(where: { !known.contains($0) }) {
                throw InputError(
                    source: attributes.relativePath,
                    problem: "id \(unknown) is not among the \(evaluated.count) audited examples")
            }
        }

        var populations: [(variant: String, sparsity: Double, size: Int?, predictions: PopulationPredictions)] = []
        var trainedRecipe: (architecture: String, epochs: Int)?
        var configuration: JSONValue = .object([:])
        var memberSeconds: [String: Double] = [:]
        var latency: [(variant: String, measurement: KernelMeasurement)] = []
        var shardRecords: [ShardRecord] = []
        var shardCount: Int?
        var inputs = splits.train.sources + splits.test.sources
        if let external = config.predictions {
            for (index, url) in ([external.baseline] + external.compressed).enumerated() {
                let name = index == 0 ? "dense" : url.deletingPathExtension().lastPathComponent
                let predictions = try Self.readPredictions(
                    url, name: name, ids: evaluated.ids, classCount: evaluated.classCount)
                populations.append((name, 0, nil, predictions))
                inputs.append(url)
            }
            configuration = .object([
                "baseline": .string(external.baseline.relativePath),
                "compressed": .string(external.compressed.map(\.relativePath).joined(separator: ",")),
            ])
        } else {
            let (spec, baseModels) = try config.population.makePopulation(
                data: config.data.description, train: splits.train)
            inputs += (config.population.baseModels ?? []).flatMap(ModelFile.inputs)
            guard spec.orderedVariants.count >= 2 else {  // before any member is trained
                throw OptionError("--variants needs at least one compressed variant besides dense")
            }
            trainedRecipe = (spec.architecture.name, spec.training.epochs)
            try RunDirectory.claim(path: config.output.relativePath)  // the population is written before the rest
            // Shard tasks may have made some or all units (a plain run then collects them too).
            shardRecords = try ShardRecord.read(in: config.output)
            if case .collect(let count) = config.role { shardCount = count ?? ShardRecord.shardCount(of: shardRecords) }
            if let warning = ShardRecord.kernelPathWarning(shardRecords) { progress.log(warning) }
            let result = try runPopulation(
                spec: spec, baseModels: baseModels, splits: splits, evaluate: evaluated,
                directory: config.output.appendingPathComponent("population"), threads: config.population.threads,
                collecting: config.role != .whole, shardCount: shardCount, progress: progress)
            memberSeconds = result.memberSeconds
            for variant in spec.orderedVariants {
                let records = result.records[variant]!
                let predictions = try PopulationPredictions(
                    name: variant.name, exampleIDs: result.ids, classCount: result.classCount,
                    labels: result.predictions[variant]!.map(\.labels))
                let sparsity = records.map(\.sparsity).reduce(0, +) / Double(records.count)
                populations.append((variant.name, sparsity, records.first?.bytesOnDisk, predictions))
            }
            configuration = try DeterministicJSON.decode(JSONValue.self, from: DeterministicJSON.encode(spec))
            if config.latencyRuns > 0, evaluated.count > 0 {
                latency = try Self.measureLatency(
                    spec: spec, baseModels: baseModels, directory: config.output.appendingPathComponent("population"),
                    train: splits.train, evaluated: evaluated, runs: config.latencyRuns, progress: progress)
            }
        }

        let baseline = populations[0]
        var analyses: [VariantAnalysis] = []
        for population in populations.dropFirst() {
            let impact = try CompressionImpact(
                baseline: baseline.predictions, compressed: population.predictions, trueLabels: evaluated.labels,
                sampleSeed: config.sampleSeed)
            // Each pair is sized on its own: populations of different sizes are compared as they are.
            let classesSkipped = ClassImpactAnalysis.unavailableReason(
                baseline: baseline.predictions, compressed: population.predictions)
            let classes =
                classesSkipped != nil
                ? nil
                : try ClassImpactAnalysis(
                    baseline: baseline.predictions, compressed: population.predictions, trueLabels: evaluated.labels)
            let groups = try attributeTable.map {
                try SubgroupImpactAnalysis(
                    attributes: $0, baseline: baseline.predictions, compressed: population.predictions,
                    trueLabels: evaluated.labels)
            }
            analyses.append(
                VariantAnalysis(
                    variant: population.variant, members: population.predictions.modelCount,
                    sparsity: population.sparsity, sizeOnDisk: population.size, impact: impact, classes: classes,
                    classesSkipped: classesSkipped, groups: groups))
            progress.log(
                String(
                    format:
                        "%@: %d CIEs (%.2f%% of %d); accuracy on CIEs %.3f dense / %.3f compressed, on the rest %.3f / %.3f; %d classes impacted",
                    population.variant, impact.cieCount, 100 * impact.cieFraction, evaluated.count,
                    impact.baselineAccuracies.onCIEs ?? .nan, impact.compressedAccuracies.onCIEs ?? .nan,
                    impact.baselineAccuracies.onNonCIEs ?? .nan, impact.compressedAccuracies.onNonCIEs ?? .nan,
                    classes?.impactedClasses.count ?? 0))
            if let classesSkipped { progress.log("\(population.variant): \(classesSkipped): skipped") }
        }
        guard !analyses.isEmpty else {
            throw OptionError("--variants needs at least one compressed variant besides dense")
        }
        let labelNoise =
            prepared.flippedLabels.isEmpty
            ? nil : AuditLabelNoise(prepared.flippedLabels, analyses: analyses, evaluated: evaluated)
        for line in labelNoise?.lines ?? [] { progress.log(line) }
        let outputs = CompressionAuditOutputs(
            analyses: analyses, baselineAccuracy: analyses[0].impact.baselineAccuracies.overall,
            baselineSize: baseline.size,
            baselineMembers: baseline.predictions.modelCount,
            // For report.html and frontier.html: the names and paths users chose are marked to be
            // isolated on the pages (`HTMLReport.isolated`).
            parameters: [
                (
                    "data",
                    "\(HTMLReport.isolated(config.data.data)): \(splits.train.count) training, \(evaluated.count) evaluated examples"
                ),
                ("populations", populations.map { HTMLReport.isolated($0.variant) }.joined(separator: ", ")),
                (
                    "members per population",
                    Self.describeSizes(populations.map { (HTMLReport.isolated($0.variant), $0.predictions.modelCount) })
                ),
                (
                    "architecture",
                    config.population.baseModels.map {
                        "given models: " + $0.map { HTMLReport.isolated($0.lastPathComponent) }.joined(separator: ", ")
                    } ?? trainedRecipe?.architecture ?? "external predictions"
                ),
                ("epochs", trainedRecipe.map { String($0.epochs) } ?? ""),
                ("first seed", String(config.population.seed)), ("random sample seed", String(config.sampleSeed)),
                ("tool", "loupe \(ToolVersion.current)"),
            ], examples: evaluated, galleryCount: config.gallery,
            memberAccuracies: Dictionary(
                populations.map { ($0.variant, Self.memberAccuracies($0.predictions, trueLabels: evaluated.labels)) }
            ) { first, _ in first }, latency: latency)
        return Result(
            analyses: analyses, evaluated: evaluated, labelNoise: labelNoise,
            trained: config.predictions == nil ? config.output : nil, configuration: configuration,
            inputs: inputs + (config.attributes.map { [$0] } ?? []), memberSeconds: memberSeconds, outputs: outputs,
            sampleSeed: config.sampleSeed, threads: config.population.threads, shardRecords: shardRecords,
            start: start)
    }

    /// Times the inference kernels of member 0 of every population together
    /// (``KernelMeasurement/measuring(_:images:runs:)``) on the first 128 evaluated images, one
    /// thread, and logs each population's choice.
    static func measureLatency(
        spec: PopulationSpec, baseModels: [Model]?, directory: URL, train: Dataset, evaluated: Dataset, runs: Int,
        progress: any WorkflowProgress
    ) throws -> [(variant: String, measurement: KernelMeasurement)] {
        var runner = try PopulationRunner(spec: spec, directory: directory)
        runner.baseModels = baseModels
        let images = evaluated.images(at: Array(0..<min(128, evaluated.count)))
        let groups = try spec.orderedVariants.map { try runner.inferenceCandidates($0, 0, train: train) }
        progress.log(
            "latency: \(groups.map(\.count).reduce(0, +)) kernels of \(groups.count) populations, \(runs) rounds at batch 1 and \(images.shape[0])"
        )
        let measurements = KernelMeasurement.measuring(groups, images: images, runs: runs)
        var measured: [(variant: String, measurement: KernelMeasurement)] = []
        for (variant, measurement) in zip(spec.orderedVariants, measurements) {
            measured.append((variant.name, measurement))
            progress.log(
                "  latency \(variant.name): "
                    + measurement.candidates.map { candidate in
                        candidate.kernel.rawValue + " "
                            + candidate.latencies.map {
                                String(format: "%.3g ms @%d", 1000 * $0.medianSeconds, $0.batch)
                            }
                            .joined(separator: ", ")
                    }.joined(separator: "; ") + " -> \(measurement.chosen.rawValue)")
        }
        return measured
    }

    /// Each model's top-1 accuracy against `trueLabels`.
    static func memberAccuracies(_ predictions: PopulationPredictions, trueLabels: [Int32]) -> [Double] {
        (0..<predictions.modelCount).map { model in
            let correct = trueLabels.indices.filter { predictions.label(model: model, example: $0) == trueLabels[$0] }
            return Double(correct.count) / Double(max(trueLabels.count, 1))
        }
    }

    /// `5` when every population has that many members, else `dense 5, four 4, one 1`.
    static func describeSizes(_ sizes: [(variant: String, members: Int)]) -> String {
        if let first = sizes.first, sizes.allSatisfy({ $0.members == first.members }) { return String(first.members) }
        return sizes.map { "\($0.variant) \($0.members)" }.joined(separator: ", ")
    }

    static func readPredictions(_ url: URL, name: String, ids: [Int], classCount: Int) throws
        -> PopulationPredictions
    {
        if url.pathExtension.lowercased() == "csv" {
            return try PopulationPredictions.readCSV(url, name: name, classCount: classCount, expectedIDs: ids)
        }
        return try PopulationPredictions.readNPY(url, name: name, exampleIDs: ids, classCount: classCount)
    }
}
