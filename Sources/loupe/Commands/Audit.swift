import ArgumentParser
import Foundation
import LoupeAudit
import LoupeCompress
import LoupeData
import LoupeNN
import LoupeReport
import LoupeSupport

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find the examples, classes and groups that compression hurts (the main job).",
        discussion: """
            Trains (or resumes) a population of models per variant, dense and compressed (see \
            `loupe population`), then compares each compressed population with the dense one on \
            the held-out examples. With no arguments: the cnn on the embedded mnist-5k, 5 models \
            each of dense, 50% and 90% gradual magnitude pruning and int8 per-channel \
            quantization.

            Writes cie.csv and cie.jsonl (one row per variant and example id: modal labels, \
            Taxicab score, is_cie, each population's accuracy on it), classes.csv (per-class \
            impact with a Welch t-test), groups.csv (with --attributes), summary.json and a \
            self-contained report.html; population/ holds every member and its predictions.

            Bring your own predictions: --baseline-predictions and --compressed-predictions take \
            NPY files ([models, examples] labels or [models, examples, classes] logits) or CSV \
            files (model,id,label) of populations trained elsewhere; no training is done and the \
            examples are those of the --data test split, in order.
            """)

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var populationOptions: PopulationOptions
    @Option(help: "CSV of group attributes: an id column, then one column per attribute.") var attributes: String?
    @Option(help: "Predictions of a baseline population trained elsewhere (NPY or CSV).") var baselinePredictions:
        String?
    @Option(help: "Comma-separated predictions of compressed populations trained elsewhere (NPY or CSV).")
    var compressedPredictions: String?
    @Option(help: "CIE thumbnails per variant in report.html.") var gallery: Int = 48
    @Option(help: "Seed of the random comparison sample.") var sampleSeed: UInt64 = 0
    @Option(
        help:
            "Which examples to audit: the held-out test split or the training split (where --label-noise flips labels)."
    )
    var evaluate: EvaluatedSplit = .test
    @Option(help: "Output directory.") var out: String = "runs/audit"

    enum EvaluatedSplit: String, ExpressibleByArgument, CaseIterable { case test, train }

    func run() throws {
        let prepared = try dataOptions.load()
        let splits = prepared.splits
        let evaluated = evaluate == .test ? splits.test : splits.train
        let attributeTable = try attributes.map { try AttributeTable.read(URL(fileURLWithPath: $0)) }
        if let attributeTable, let attributes {
            let known = Set(evaluated.ids)
            if let unknown = attributeTable.ids.first(where: { !known.contains($0) }) {
                throw FileError(
                    path: attributes, problem: "id \(unknown) is not among the \(evaluated.count) audited examples")
            }
        }

        var populations: [(variant: String, sparsity: Double, size: Int?, predictions: PopulationPredictions)] = []
        var trainedRecipe: (architecture: String, epochs: Int)?
        var configuration: JSONValue = .object([:])
        var memberSeconds: [String: Double] = [:]
        var inputs = splits.train.sources + splits.test.sources
        let directoryURL = URL(fileURLWithPath: out, isDirectory: true)
        if let baselinePredictions {
            guard let compressedPredictions else {
                throw ValidationError("--baseline-predictions needs --compressed-predictions")
            }
            let files = [baselinePredictions] + compressedPredictions.split(separator: ",").map(String.init)
            for (index, file) in files.enumerated() {
                let url = URL(fileURLWithPath: file)
                let name = index == 0 ? "dense" : url.deletingPathExtension().lastPathComponent
                let predictions = try readPredictions(
                    url, name: name, ids: evaluated.ids, classCount: evaluated.classCount)
                populations.append((name, 0, nil, predictions))
                inputs.append(url)
            }
            configuration = .object([
                "baseline": .string(baselinePredictions), "compressed": .string(compressedPredictions),
            ])
        } else {
            let spec = try populationOptions.makeSpec(data: dataOptions.description, train: splits.train)
            guard spec.orderedVariants.count >= 2 else {  // before any member is trained
                throw ValidationError("--variants needs at least one compressed variant besides dense")
            }
            trainedRecipe = (spec.architecture.name, spec.training.epochs)
            try RunDirectory.claim(path: out)  // the population is written into the folder before the rest
            let result = try runPopulation(
                spec: spec, splits: splits, evaluate: evaluated,
                directory: directoryURL.appendingPathComponent("population"),
                threads: populationOptions.threads)
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
        }

        let baseline = populations[0]
        var analyses: [VariantAnalysis] = []
        for population in populations.dropFirst() {
            let impact = try CompressionImpact(
                baseline: baseline.predictions, compressed: population.predictions, trueLabels: evaluated.labels,
                sampleSeed: sampleSeed)
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
            print(
                String(
                    format:
                        "%@: %d CIEs (%.2f%% of %d); accuracy on CIEs %.3f dense / %.3f compressed, on the rest %.3f / %.3f; %d classes impacted",
                    population.variant, impact.cieCount, 100 * impact.cieFraction, evaluated.count,
                    impact.baselineAccuracies.onCIEs ?? .nan, impact.compressedAccuracies.onCIEs ?? .nan,
                    impact.baselineAccuracies.onNonCIEs ?? .nan, impact.compressedAccuracies.onNonCIEs ?? .nan,
                    classes?.impactedClasses.count ?? 0))
            if let classesSkipped { print("\(population.variant): \(classesSkipped): skipped") }
        }
        guard !analyses.isEmpty else {
            throw ValidationError("--variants needs at least one compressed variant besides dense")
        }
        var directory = try RunDirectory(
            path: out, configuration: configuration, seeds: ["sample": sampleSeed], threads: populationOptions.threads)
        try directory.recordInputs(inputs + (attributes.map { [URL(fileURLWithPath: $0)] } ?? []))
        directory.recordPhases(memberSeconds)
        let outputs = CompressionAuditOutputs(
            analyses: analyses, baselineAccuracy: analyses[0].impact.baselineAccuracies.overall,
            baselineSize: baseline.size,
            baselineMembers: baseline.predictions.modelCount,
            parameters: [
                ("data", "\(dataOptions.data): \(splits.train.count) training, \(evaluated.count) evaluated examples"),
                ("populations", populations.map(\.variant).joined(separator: ", ")),
                (
                    "members per population",
                    Self.describeSizes(populations.map { ($0.variant, $0.predictions.modelCount) })
                ),
                ("architecture", trainedRecipe?.architecture ?? "external predictions"),
                ("epochs", trainedRecipe.map { String($0.epochs) } ?? ""),
                ("first seed", String(populationOptions.seed)), ("random sample seed", String(sampleSeed)),
                ("tool", "loupe \(Loupe.version)"),
            ], examples: evaluated, galleryCount: gallery)
        var written = try outputs.write(into: &directory)
        if !prepared.flippedLabels.isEmpty {
            written.append(
                try writeLabelNoiseReport(
                    prepared.flippedLabels, analyses: analyses, evaluated: evaluated, into: &directory))
        }
        directory.recordOutputs(under: ["population"])
        try directory.finish()
        print("wrote \(written.joined(separator: ", ")) and manifest.json to \(directory.url.path)")
    }

    /// label-noise.json: which flipped labels the audited examples hold, and how many of them
    /// each variant's CIEs catch (precision against the base rate).
    func writeLabelNoiseReport(
        _ flipped: [FlippedLabel], analyses: [VariantAnalysis], evaluated: Dataset, into directory: inout RunDirectory
    ) throws -> String {
        struct VariantRow: Encodable {
            var variant: String
            var cies: Int
            var flipped_among_cies: Int
            var precision: Double
            var recall: Double
        }
        struct Report: Encodable {
            var flipped_labels: [FlippedLabel]
            var audited_examples: Int
            var flipped_in_audited_examples: Int
            var base_rate: Double
            var variants: [VariantRow]
        }
        let audited = Set(evaluated.ids)
        let flippedIDs = Set(flipped.map(\.id)).intersection(audited)
        let baseRate = Double(flippedIDs.count) / Double(max(audited.count, 1))
        let rows = analyses.map { analysis -> VariantRow in
            let cies = analysis.impact.cieIDs
            let hits = cies.filter(flippedIDs.contains).count
            return VariantRow(
                variant: analysis.variant, cies: cies.count, flipped_among_cies: hits,
                precision: cies.isEmpty ? 0 : Double(hits) / Double(cies.count),
                recall: flippedIDs.isEmpty ? 0 : Double(hits) / Double(flippedIDs.count))
        }
        for row in rows {
            print(
                String(
                    format: "%@: %d of %d CIEs have a flipped label (precision %.3f, base rate %.3f, %.1fx)",
                    row.variant, row.flipped_among_cies, row.cies, row.precision, baseRate,
                    baseRate > 0 ? row.precision / baseRate : 0))
        }
        let report = Report(
            flipped_labels: flipped, audited_examples: audited.count, flipped_in_audited_examples: flippedIDs.count,
            base_rate: baseRate, variants: rows)
        try AtomicFile.write(try DeterministicJSON.encode(report), to: directory.output("label-noise.json"))
        return "label-noise.json"
    }

    /// `5` when every population has that many members, else `dense 5, four 4, one 1`.
    static func describeSizes(_ sizes: [(variant: String, members: Int)]) -> String {
        if let first = sizes.first, sizes.allSatisfy({ $0.members == first.members }) { return String(first.members) }
        return sizes.map { "\($0.variant) \($0.members)" }.joined(separator: ", ")
    }

    func readPredictions(_ url: URL, name: String, ids: [Int], classCount: Int) throws -> PopulationPredictions {
        if url.pathExtension.lowercased() == "csv" {
            return try PopulationPredictions.readCSV(url, name: name, classCount: classCount, expectedIDs: ids)
        }
        return try PopulationPredictions.readNPY(url, name: name, exampleIDs: ids, classCount: classCount)
    }
}
