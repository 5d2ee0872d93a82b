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

    struct CIERow: Encodable {
        var variant: String
        var id: Int
        var true_label: Int32
        var baseline_modal_label: Int32
        var compressed_modal_label: Int32
        var taxicab_score: Double
        var is_cie: Bool
        var baseline_accuracy: Double
        var compressed_accuracy: Double
    }

    /// Writes the files and records them as outputs of `directory`; returns their names.
    func write(into directory: inout RunDirectory) throws -> [String] {
        var cie = CSVTable(header: [
            "variant", "id", "true_label", "baseline_modal_label", "compressed_modal_label", "taxicab_score", "is_cie",
            "baseline_accuracy", "compressed_accuracy",
        ])
        var rows: [CIERow] = []
        for analysis in analyses {
            for example in analysis.impact.rankedByTaxicabScore {
                let row = CIERow(
                    variant: analysis.variant, id: example.id, true_label: example.trueLabel,
                    baseline_modal_label: example.baselineModalLabel,
                    compressed_modal_label: example.compressedModalLabel,
                    taxicab_score: example.taxicabScore, is_cie: example.isCIE,
                    baseline_accuracy: example.baselineCorrectFraction,
                    compressed_accuracy: example.compressedCorrectFraction)
                rows.append(row)
                cie.append([
                    row.variant, String(row.id), String(row.true_label), String(row.baseline_modal_label),
                    String(row.compressed_modal_label), CSVTable.cell(row.taxicab_score), row.is_cie ? "1" : "0",
                    CSVTable.cell(row.baseline_accuracy), CSVTable.cell(row.compressed_accuracy),
                ])
            }
        }
        try cie.write(to: directory.output("cie.csv"))
        try JSONLines.write(rows, to: directory.output("cie.jsonl"))

        var classes = CSVTable(header: [
            "variant", "class", "examples", "baseline_mean", "compressed_mean", "difference", "t", "df", "p",
            "impacted",
            "direction",
        ])
        for analysis in analyses {
            for row in analysis.classes?.classes ?? [] {
                classes.append([
                    analysis.variant, String(row.classIndex), String(row.exampleCount), CSVTable.cell(row.baselineMean),
                    CSVTable.cell(row.compressedMean), CSVTable.cell(row.compressedMean - row.baselineMean),
                    CSVTable.cell(row.test.t), CSVTable.cell(row.test.degreesOfFreedom), CSVTable.cell(row.test.pValue),
                    row.isImpacted ? "1" : "0", row.direction.rawValue,
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
            func cell(_ value: Double?) -> String { value.map(CSVTable.cell) ?? "" }
            for analysis in analyses {
                for group in analysis.groups?.subgroups ?? [] {
                    groups.append([
                        analysis.variant, group.name, String(group.count), cell(group.baseline.errorRate),
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
        return written + ["summary.json", "report.html"]
    }

    struct VariantSummary: Encodable {
        var variant: String
        var members: Int
        var sparsity: Double
        var size_on_disk_bytes: Int?
        var cie_count: Int
        var cie_fraction: Double
        var baseline_accuracy: Double
        var compressed_accuracy: Double
        var baseline_accuracy_on_cie: Double?
        var compressed_accuracy_on_cie: Double?
        var baseline_accuracy_on_non_cie: Double?
        var compressed_accuracy_on_non_cie: Double?
        var baseline_accuracy_on_random_sample: Double?
        var compressed_accuracy_on_random_sample: Double?
        var impacted_classes: [Int]
        /// Why there is no class analysis for this variant (a population with one model); nil
        /// when there is one.
        var class_analysis_skipped: String?
    }

    struct Summary: Encodable {
        /// The common population size; nil when the populations differ in size (see
        /// `baseline_members` and each variant's `members`).
        var members_per_variant: Int?
        var baseline_members: Int
        var examples: Int
        var baseline_accuracy: Double
        var baseline_size_on_disk_bytes: Int?
        var variants: [VariantSummary]
    }

    var summary: Summary {
        Summary(
            members_per_variant: analyses.allSatisfy({ $0.members == baselineMembers }) ? baselineMembers : nil,
            baseline_members: baselineMembers, examples: examples.count, baseline_accuracy: baselineAccuracy,
            baseline_size_on_disk_bytes: baselineSize,
            variants: analyses.map { analysis in
                let (b, c) = (analysis.impact.baselineAccuracies, analysis.impact.compressedAccuracies)
                return VariantSummary(
                    variant: analysis.variant, members: analysis.members, sparsity: analysis.sparsity,
                    size_on_disk_bytes: analysis.sizeOnDisk,
                    cie_count: analysis.impact.cieCount, cie_fraction: analysis.impact.cieFraction,
                    baseline_accuracy: b.overall, compressed_accuracy: c.overall, baseline_accuracy_on_cie: b.onCIEs,
                    compressed_accuracy_on_cie: c.onCIEs, baseline_accuracy_on_non_cie: b.onNonCIEs,
                    compressed_accuracy_on_non_cie: c.onNonCIEs, baseline_accuracy_on_random_sample: b.onRandomSample,
                    compressed_accuracy_on_random_sample: c.onRandomSample,
                    impacted_classes: analysis.classes?.impactedClasses.map(\.classIndex) ?? [],
                    class_analysis_skipped: analysis.classesSkipped)
            })
    }

    var report: HTMLReport {
        var page = HTMLReport(title: "Loupe compression audit")
        page.addParagraph(
            "Compression identified exemplars (CIEs): examples whose most frequent (modal) prediction in a population of compressed models differs from the modal prediction of the dense population. The true label is not used to find them. Ties between modal labels go to the smallest class index."
        )
        page.addParameters(parameters)
        page.addHeading("Summary")
        func percent(_ value: Double?) -> String { value.map { String(format: "%.2f%%", 100 * $0) } ?? "" }
        page.addTable(
            headers: [
                "variant", "sparsity", "size on disk", "CIEs", "CIE fraction", "accuracy (dense / compressed)",
                "on CIEs (dense / compressed)", "on non-CIEs", "on a random sample of the same size",
                "impacted classes",
            ],
            rows: summary.variants.map { v in
                [
                    v.variant, String(format: "%.2f", v.sparsity), v.size_on_disk_bytes.map { "\($0 / 1024) KB" } ?? "",
                    String(v.cie_count), percent(v.cie_fraction),
                    "\(percent(v.baseline_accuracy)) / \(percent(v.compressed_accuracy))",
                    "\(percent(v.baseline_accuracy_on_cie)) / \(percent(v.compressed_accuracy_on_cie))",
                    "\(percent(v.baseline_accuracy_on_non_cie)) / \(percent(v.compressed_accuracy_on_non_cie))",
                    "\(percent(v.baseline_accuracy_on_random_sample)) / \(percent(v.compressed_accuracy_on_random_sample))",
                    v.impacted_classes.map(String.init).joined(separator: " "),
                ]
            }, numericColumns: [1, 3, 4])
        let pruned = summary.variants.filter {
            $0.variant == "dense"
                || $0.variant.hasPrefix("prune-") && !$0.variant.contains("-random") && !$0.variant.contains("-global")
        }
        if !pruned.isEmpty {
            let points =
                [(0.0, 0.0, baselineAccuracy)] + pruned.map { ($0.sparsity, $0.cie_fraction, $0.compressed_accuracy) }
            page.addChart(
                SVGLineChart(
                    title: "CIE fraction and accuracy against sparsity", xLabel: "weight sparsity", yLabel: "fraction",
                    series: [
                        .init(name: "CIE fraction", points: points.map { (x: $0.0, y: $0.1) }),
                        .init(name: "compressed population accuracy", points: points.map { (x: $0.0, y: $0.2) }),
                    ]))
        }
        for analysis in analyses {
            page.addHeading("\(analysis.variant): top CIEs by Taxicab score")
            let top = analysis.impact.rankedByTaxicabScore.filter(\.isCIE).prefix(galleryCount)
            page.addGallery(
                top.map { example in
                    HTMLReport.GalleryItem(
                        image: thumbnail(position: example.position),
                        captionLines: [
                            "id \(example.id)  label \(example.trueLabel)",
                            "dense \(example.baselineModalLabel) → compressed \(example.compressedModalLabel)",
                            String(format: "score %.2f", example.taxicabScore),
                        ], badge: example.trueLabel == example.baselineModalLabel ? nil : "dense wrong")
                })
            if let skipped = analysis.classesSkipped {
                page.addParagraph("\(analysis.variant): \(skipped); no per-class impact for this variant.")
            }
            if let classes = analysis.classes {
                page.addDetails(summary: "\(analysis.variant): per-class impact (Welch t-test)") { section in
                    section.addTable(
                        headers: ["class", "examples", "dense recall − accuracy", "compressed", "t", "p", "impact"],
                        rows: classes.classes.map { row in
                            [
                                String(row.classIndex), String(row.exampleCount),
                                String(format: "%+.4f", row.baselineMean),
                                String(format: "%+.4f", row.compressedMean), String(format: "%.2f", row.test.t),
                                String(format: "%.3g", row.test.pValue), row.isImpacted ? row.direction.rawValue : "",
                            ]
                        }, numericColumns: [1, 2, 3, 4, 5])
                }
            }
            if let groups = analysis.groups {
                page.addDetails(summary: "\(analysis.variant): subgroups") { section in
                    section.addTable(
                        headers: ["group", "examples", "dense error", "compressed error", "change"],
                        rows: groups.subgroups.map { group in
                            [
                                group.name, String(group.count), percent(group.baseline.errorRate),
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
