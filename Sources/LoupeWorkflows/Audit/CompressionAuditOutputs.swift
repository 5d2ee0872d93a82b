import Foundation
import LoupeAudit
import LoupeCompress
import LoupeData
import LoupeReport
import LoupeSupport

/// The analysis of one compressed variant against the dense baseline.
public struct VariantAnalysis {
    public var variant: String
    /// The models in this variant's population (each pair with the baseline is sized on its own).
    public var members: Int
    public var sparsity: Double
    public var sizeOnDisk: Int?
    public var impact: CompressionImpact
    /// `nil` when a population has a single model (the t-test needs two per side).
    public var classes: ClassImpactAnalysis?
    /// Why `classes` is nil: which population is too small.
    public var classesSkipped: String?
    public var groups: SubgroupImpactAnalysis?
}

/// Writes cie.csv, cie.jsonl, classes.csv, groups.csv, summary.json and report.html.
struct CompressionAuditOutputs {
    var analyses: [VariantAnalysis]
    var baselineAccuracy: Double
    var baselineSize: Int?
    /// The models in the baseline population.
    var baselineMembers: Int
    var parameters: [(name: String, value: String)]
    var examples: Dataset
    var galleryCount: Int
    /// Each population's member accuracies (top-1 on the evaluated examples), by name.
    var memberAccuracies: [String: [Double]]
    /// Each population's inference kernels, timed, dense first; empty when not measured.
    var latency: [(variant: String, measurement: KernelMeasurement)] = []

    struct CIERow: Encodable {
        var variant: String
        var id: Int
        var trueLabel: Int32
        var baselineModalLabel: Int32
        var compressedModalLabel: Int32
        var taxicabScore: Double
        var isCIE: Bool
        var baselineAccuracy: Double
        var compressedAccuracy: Double
        /// The example's file and class name, for data whose examples are files (else omitted).
        var path: String?
        var className: String?

        enum CodingKeys: String, CodingKey {
            case variant
            case id
            case trueLabel = "true_label"
            case baselineModalLabel = "baseline_modal_label"
            case compressedModalLabel = "compressed_modal_label"
            case taxicabScore = "taxicab_score"
            case isCIE = "is_cie"
            case baselineAccuracy = "baseline_accuracy"
            case compressedAccuracy = "compressed_accuracy"
            case path
            case className = "class_name"
        }
    }

    /// Writes the files and records them as outputs of `directory`; returns their names.
    func write(into directory: inout RunDirectory) throws -> [String] {
        var cie = CSVTable(
            header: [
                "variant", "id", "true_label", "baseline_modal_label", "compressed_modal_label", "taxicab_score",
                "is_cie", "baseline_accuracy", "compressed_accuracy",
            ] + examples.namingColumns)
        var rows: [CIERow] = []
        for analysis in analyses {
            for example in analysis.impact.rankedByTaxicabScore {
                let naming = examples.namingCells(at: example.position)
                let row = CIERow(
                    variant: analysis.variant, id: example.id, trueLabel: example.trueLabel,
                    baselineModalLabel: example.baselineModalLabel,
                    compressedModalLabel: example.compressedModalLabel,
                    taxicabScore: example.taxicabScore, isCIE: example.isCIE,
                    baselineAccuracy: example.baselineCorrectFraction,
                    compressedAccuracy: example.compressedCorrectFraction, path: naming.first, className: naming.last)
                rows.append(row)
                cie.append(
                    [
                        .text(row.variant), .number(row.id), .number(row.trueLabel), .number(row.baselineModalLabel),
                        .number(row.compressedModalLabel), .number(row.taxicabScore), .number(row.isCIE ? 1 : 0),
                        .number(row.baselineAccuracy), .number(row.compressedAccuracy),
                    ] + naming.map(CSVTable.Cell.text))
            }
        }
        try cie.write(to: directory.output("cie.csv"))
        try JSONLines.write(rows, to: directory.output("cie.jsonl"))

        let classNameColumn = examples.classNames == nil ? [] : ["class_name"]
        var classes = CSVTable(
            header: ["variant", "class"] + classNameColumn + [
                "examples", "baseline_mean", "compressed_mean", "difference", "t", "df", "p", "impacted", "direction",
            ])
        for analysis in analyses {
            for row in analysis.classes?.classes ?? [] {
                let name: [CSVTable.Cell] =
                    classNameColumn.isEmpty ? [] : [.text(examples.className(of: Int32(row.classIndex)))]
                classes.append(
                    [.text(analysis.variant), .number(row.classIndex)] + name + [
                        .number(row.exampleCount), .number(row.baselineMean),
                        .number(row.compressedMean), .number(row.compressedMean - row.baselineMean),
                        .number(row.test.t), .number(row.test.degreesOfFreedom),
                        .number(row.test.pValue),
                        .number(row.isImpacted ? 1 : 0), .text(row.direction.rawValue),
                    ])
            }
        }
        try classes.write(to: directory.output("classes.csv"))

        var written = ["cie.csv", "cie.jsonl", "classes.csv"]
        if analyses.contains(where: { $0.groups != nil }) {
            var groups = CSVTable(header: [
                "variant", "group", "examples", "baseline_error", "compressed_error", "error_change", "baseline_fpr",
                "compressed_fpr", "fpr_change", "baseline_fnr", "compressed_fnr", "fnr_change",
            ])
            func cell(_ value: Double?) -> CSVTable.Cell { value.map(CSVTable.Cell.number) ?? .empty }
            for analysis in analyses {
                for group in analysis.groups?.subgroups ?? [] {
                    groups.append([
                        .text(analysis.variant), .text(group.name), .number(group.count),
                        cell(group.baseline.errorRate),
                        cell(group.compressed.errorRate), cell(group.errorRateChange),
                        cell(group.baseline.falsePositiveRate),
                        cell(group.compressed.falsePositiveRate), cell(group.falsePositiveRateChange),
                        cell(group.baseline.falseNegativeRate), cell(group.compressed.falseNegativeRate),
                        cell(group.falseNegativeRateChange),
                    ])
                }
            }
            try groups.write(to: directory.output("groups.csv"))
            written.append("groups.csv")
        }

        try AtomicFile.write(try DeterministicJSON.encode(summary), to: directory.output("summary.json"))
        try report.write(to: directory.output("report.html"))
        written += ["summary.json", "report.html"]
        // The speed of each variant is a measurement of this machine: a re-run measures it again.
        try variantsTable.write(
            to: latency.isEmpty ? directory.output("variants.csv") : directory.measurement("variants.csv"))
        written.append("variants.csv")
        if !latency.isEmpty {
            try AtomicFile.write(try DeterministicJSON.encode(latencyRecord), to: directory.measurement("latency.json"))
            try frontier.write(to: directory.measurement("frontier.html"))
            for (variant, measurement) in latency {
                directory.recorder.recordInferenceKernel(measurement.chosen.rawValue, variant: variant)
            }
            written += ["latency.json", "frontier.html"]
        }
        return written
    }

    struct VariantSummary: Encodable {
        var variant: String
        var members: Int
        var sparsity: Double
        var sizeOnDiskBytes: Int?
        var cieCount: Int
        var cieFraction: Double
        var baselineAccuracy: Double
        var compressedAccuracy: Double
        var baselineAccuracyOnCIE: Double?
        var compressedAccuracyOnCIE: Double?
        var baselineAccuracyOnNonCIE: Double?
        var compressedAccuracyOnNonCIE: Double?
        var baselineAccuracyOnRandomSample: Double?
        var compressedAccuracyOnRandomSample: Double?
        var impactedClasses: [Int]
        /// The mean of the members' accuracies and its 95% Student-t interval (nil bounds for one member).
        var memberAccuracyMean: Double
        var memberAccuracyCI95Low: Double?
        var memberAccuracyCI95High: Double?
        /// Why there is no class analysis for this variant (a population with one model); nil
        /// when there is one.
        var classAnalysisSkipped: String?

        enum CodingKeys: String, CodingKey {
            case variant
            case members
            case sparsity
            case sizeOnDiskBytes = "size_on_disk_bytes"
            case cieCount = "cie_count"
            case cieFraction = "cie_fraction"
            case baselineAccuracy = "baseline_accuracy"
            case compressedAccuracy = "compressed_accuracy"
            case baselineAccuracyOnCIE = "baseline_accuracy_on_cie"
            case compressedAccuracyOnCIE = "compressed_accuracy_on_cie"
            case baselineAccuracyOnNonCIE = "baseline_accuracy_on_non_cie"
            case compressedAccuracyOnNonCIE = "compressed_accuracy_on_non_cie"
            case baselineAccuracyOnRandomSample = "baseline_accuracy_on_random_sample"
            case compressedAccuracyOnRandomSample = "compressed_accuracy_on_random_sample"
            case impactedClasses = "impacted_classes"
            case memberAccuracyMean = "member_accuracy_mean"
            case memberAccuracyCI95Low = "member_accuracy_ci95_low"
            case memberAccuracyCI95High = "member_accuracy_ci95_high"
            case classAnalysisSkipped = "class_analysis_skipped"
        }
    }

    struct Summary: Encodable {
        /// The common population size; nil when the populations differ in size (see
        /// `baselineMembers` and each variant's `members`).
        var membersPerVariant: Int?
        var baselineMembers: Int
        var examples: Int
        var baselineAccuracy: Double
        var baselineSizeOnDiskBytes: Int?
        var variants: [VariantSummary]

        enum CodingKeys: String, CodingKey {
            case membersPerVariant = "members_per_variant"
            case baselineMembers = "baseline_members"
            case examples
            case baselineAccuracy = "baseline_accuracy"
            case baselineSizeOnDiskBytes = "baseline_size_on_disk_bytes"
            case variants
        }
    }

    var summary: Summary {
        Summary(
            membersPerVariant: analyses.allSatisfy({ $0.members == baselineMembers }) ? baselineMembers : nil,
            baselineMembers: baselineMembers, examples: examples.count, baselineAccuracy: baselineAccuracy,
            baselineSizeOnDiskBytes: baselineSize,
            variants: analyses.map { analysis in
                let (b, c) = (analysis.impact.baselineAccuracies, analysis.impact.compressedAccuracies)
                let members = MeanInterval(memberAccuracies[analysis.variant] ?? [c.overall], bounds: 0...1)
                return VariantSummary(
                    variant: analysis.variant, members: analysis.members, sparsity: analysis.sparsity,
                    sizeOnDiskBytes: analysis.sizeOnDisk,
                    cieCount: analysis.impact.cieCount, cieFraction: analysis.impact.cieFraction,
                    baselineAccuracy: b.overall, compressedAccuracy: c.overall, baselineAccuracyOnCIE: b.onCIEs,
                    compressedAccuracyOnCIE: c.onCIEs, baselineAccuracyOnNonCIE: b.onNonCIEs,
                    compressedAccuracyOnNonCIE: c.onNonCIEs, baselineAccuracyOnRandomSample: b.onRandomSample,
                    compressedAccuracyOnRandomSample: c.onRandomSample,
                    impactedClasses: analysis.classes?.impactedClasses.map(\.classIndex) ?? [],
                    memberAccuracyMean: members.mean, memberAccuracyCI95Low: members.lower,
                    memberAccuracyCI95High: members.upper,
                    classAnalysisSkipped: analysis.classesSkipped)
            })
    }

    var report: HTMLReport {
        var page = HTMLReport(title: "Loupe compression audit")
        page.addParagraph(
            "Compression identified exemplars (CIEs): examples whose most frequent (modal) prediction in a population of compressed models differs from the modal prediction of the dense population. The true label is not used to find them. Ties between modal labels go to the smallest class index."
        )
        page.addParameters(parameters)
        if !latency.isEmpty {
            page.addParagraph(
                "Each variant's measured speed-up and size against its disparity: frontier.html and variants.csv (measurements of the machine the audit ran on, kept apart from these results)."
            )
        }
        page.addHeading("Summary")
        // Names and paths users chose (variants, classes, groups) are marked to be isolated on the
        // page (`HTMLReport.isolated`), so a right-to-left one cannot reorder the text beside it.
        let isolated = HTMLReport.isolated
        /// `3`, or `3 cat` for data whose classes have names.
        func classLabel(_ index: Int) -> String {
            examples.classNames == nil
                ? String(index) : "\(index) \(isolated(examples.className(of: Int32(index))))"
        }
        func percent(_ value: Double?) -> String { value.map { String(format: "%.2f%%", 100 * $0) } ?? "" }
        page.addTable(
            headers: [
                "variant", "sparsity", "size on disk", "CIEs", "CIE fraction", "accuracy (dense / compressed)",
                "on CIEs (dense / compressed)", "on non-CIEs", "on a random sample of the same size",
                "impacted classes",
            ],
            rows: summary.variants.map { v in
                [
                    isolated(v.variant), String(format: "%.2f", v.sparsity),
                    v.sizeOnDiskBytes.map { "\($0 / 1024) KB" } ?? "",
                    String(v.cieCount), percent(v.cieFraction),
                    "\(percent(v.baselineAccuracy)) / \(percent(v.compressedAccuracy))",
                    "\(percent(v.baselineAccuracyOnCIE)) / \(percent(v.compressedAccuracyOnCIE))",
                    "\(percent(v.baselineAccuracyOnNonCIE)) / \(percent(v.compressedAccuracyOnNonCIE))",
                    "\(percent(v.baselineAccuracyOnRandomSample)) / \(percent(v.compressedAccuracyOnRandomSample))",
                    v.impactedClasses.map(classLabel).joined(separator: examples.classNames == nil ? " " : ", "),
                ]
            }, numericColumns: [1, 3, 4])
        // Unstructured gradual magnitude pruning only (`prune-0.90`, not `prune-2of4`): one curve.
        let pruned = summary.variants.filter {
            $0.variant == "dense"
                || $0.variant.hasPrefix("prune-0.") && !$0.variant.contains("-random")
                    && !$0.variant.contains("-global")
        }
        if !pruned.isEmpty {
            let points =
                [(0.0, 0.0, baselineAccuracy)] + pruned.map { ($0.sparsity, $0.cieFraction, $0.compressedAccuracy) }
            page.addChart(
                SVGLineChart(
                    title: "CIE fraction and accuracy against sparsity", xLabel: "weight sparsity", yLabel: "fraction",
                    series: [
                        .init(name: "CIE fraction", points: points.map { (x: $0.0, y: $0.1) }),
                        .init(name: "compressed population accuracy", points: points.map { (x: $0.0, y: $0.2) }),
                    ]))
        }
        if baselineSize != nil, analyses.contains(where: { $0.sizeOnDisk != nil }) {
            page.addChart(sizeFrontierChart)
        }
        for analysis in analyses {
            page.addHeading("\(isolated(analysis.variant)): top CIEs by Taxicab score")
            let top = analysis.impact.rankedByTaxicabScore.filter(\.isCIE).prefix(galleryCount)
            page.addGallery(
                top.map { example in
                    HTMLReport.GalleryItem(
                        image: thumbnail(position: example.position),
                        captionLines: [
                            "id \(example.id)  label \(example.trueLabel)",
                            "dense \(example.baselineModalLabel) → compressed \(example.compressedModalLabel)",
                            String(format: "score %.2f", example.taxicabScore),
                        ] + examples.namingCaption(at: example.position),
                        badge: example.trueLabel == example.baselineModalLabel ? nil : "dense wrong")
                })
            if let skipped = analysis.classesSkipped {
                page.addParagraph("\(isolated(analysis.variant)): \(skipped); no per-class impact for this variant.")
            }
            if let classes = analysis.classes {
                page.addDetails(summary: "\(isolated(analysis.variant)): per-class impact (Welch t-test)") { section in
                    section.addTable(
                        headers: ["class", "examples", "dense recall − accuracy", "compressed", "t", "p", "impact"],
                        rows: classes.classes.map { row in
                            [
                                classLabel(row.classIndex),
                                String(row.exampleCount),
                                String(format: "%+.4f", row.baselineMean),
                                String(format: "%+.4f", row.compressedMean), String(format: "%.2f", row.test.t),
                                String(format: "%.3g", row.test.pValue), row.isImpacted ? row.direction.rawValue : "",
                            ]
                        }, numericColumns: [1, 2, 3, 4, 5])
                }
            }
            if let groups = analysis.groups {
                page.addDetails(summary: "\(isolated(analysis.variant)): subgroups") { section in
                    section.addTable(
                        headers: ["group", "examples", "dense error", "compressed error", "change"],
                        rows: groups.subgroups.map { group in
                            [
                                isolated(group.name), String(group.count), percent(group.baseline.errorRate),
                                percent(group.compressed.errorRate),
                                String(format: "%+.2f pp", 100 * group.errorRateChange),
                            ]
                        }, numericColumns: [1, 2, 3, 4])
                }
            }
        }
        return page
    }

    func thumbnail(position: Int) -> PNGImage { LoupeWorkflows.thumbnail(examples, position: position) }
}
