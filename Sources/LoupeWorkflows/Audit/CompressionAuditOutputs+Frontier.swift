import Foundation
import LoupeAudit
import LoupeCompress
import LoupeReport

/// The frontier a user chooses a compression from: each variant's size and measured speed-up
/// against its disparity (variants.csv, latency.json, frontier.html).
extension CompressionAuditOutputs {
    /// One row per population, dense first.
    struct VariantRow {
        var variant: String
        var members: Int
        var sparsity: Double
        var size: Int?
        var accuracy: MeanInterval
        /// Nil for the dense population.
        var analysis: VariantAnalysis?
        var measurement: KernelMeasurement?
    }

    var variantRows: [VariantRow] {
        let measured = Dictionary(latency.map { ($0.variant, $0.measurement) }) { first, _ in first }
        let dense = VariantRow(
            variant: "dense", members: baselineMembers, sparsity: 0, size: baselineSize,
            accuracy: MeanInterval(memberAccuracies["dense"] ?? [baselineAccuracy], bounds: 0...1), analysis: nil,
            measurement: measured["dense"])
        return [dense]
            + analyses.map { analysis in
                VariantRow(
                    variant: analysis.variant, members: analysis.members, sparsity: analysis.sparsity,
                    size: analysis.sizeOnDisk,
                    accuracy: MeanInterval(
                        memberAccuracies[analysis.variant] ?? [analysis.impact.compressedAccuracies.overall],
                        bounds: 0...1),
                    analysis: analysis, measurement: measured[analysis.variant])
            }
    }

    /// The dense population's latency at each timed batch size, by batch.
    private var denseLatency: [Int: Double] {
        guard let dense = latency.first(where: { $0.variant == "dense" })?.measurement else { return [:] }
        return Dictionary(dense.latencies.map { ($0.batch, $0.medianSeconds) }) { first, _ in first }
    }

    /// The speed-up of `measurement`'s chosen kernel over the dense population's at `batch`.
    private func speedUp(_ measurement: KernelMeasurement?, batch: Int) -> Double? {
        guard let sample = measurement?.latencies.first(where: { $0.batch == batch }),
            let dense = denseLatency[batch], sample.medianSeconds > 0
        else { return nil }
        return dense / sample.medianSeconds
    }

    /// The timed batch sizes: 1 and the evaluation batch.
    private var timedBatches: [Int] { latency.first?.measurement.latencies.map(\.batch) ?? [] }

    /// Columns: size, accuracy over members, CIE count and fraction, accuracy on the CIEs of
    /// each side and its drop (dense minus compressed: what separates compression from seed
    /// noise, whose drop is near 0), impacted classes; with a `seed-control` population, each
    /// CIE fraction above the control's; then the kernel and latencies when they were measured.
    var variantsTable: CSVTable {
        let batches = timedBatches
        let control = analyses.first { $0.variant == CompressionVariant.seedControl.name }?.impact.cieFraction
        var table = CSVTable(
            header: [
                "variant", "members", "sparsity", "size_on_disk_bytes", "size_vs_dense", "accuracy",
                "accuracy_ci95_low", "accuracy_ci95_high", "cie_count", "cie_fraction", "accuracy_on_cie_dense",
                "accuracy_on_cie_compressed", "accuracy_drop_on_cie", "impacted_classes",
            ]
                + (control == nil ? [] : ["cie_fraction_above_seed_control"])
                + (batches.isEmpty
                    ? []
                    : ["kernel"] + batches.map { "latency_batch\($0)_ms" } + batches.map { "speedup_batch\($0)" }))
        func cell(_ value: Double?) -> CSVTable.Cell { value.map(CSVTable.Cell.number) ?? .empty }
        for row in variantRows {
            let impact = row.analysis?.impact
            var cells: [CSVTable.Cell] = [
                .text(row.variant), .number(row.members), .number(row.sparsity),
                row.size.map(CSVTable.Cell.number) ?? .empty,
                cell(row.size.flatMap { size in baselineSize.map { Double(size) / Double($0) } }),
                .number(row.accuracy.mean), cell(row.accuracy.lower), cell(row.accuracy.upper),
                impact.map { .number($0.cieCount) } ?? .empty, cell(impact?.cieFraction),
                cell(impact?.baselineAccuracies.onCIEs), cell(impact?.compressedAccuracies.onCIEs),
                cell(
                    impact.flatMap { impact in
                        impact.baselineAccuracies.onCIEs.flatMap { dense in
                            impact.compressedAccuracies.onCIEs.map { dense - $0 }
                        }
                    }),
                row.analysis.map { .number($0.classes?.impactedClasses.count ?? 0) } ?? .empty,
            ]
            if let control { cells.append(cell(impact.map { $0.cieFraction - control })) }
            if !batches.isEmpty {
                let samples = row.measurement?.latencies ?? []
                cells.append(.text(row.measurement?.chosen.rawValue ?? ""))
                cells += batches.map { batch in
                    cell(samples.first { $0.batch == batch }.map { 1000 * $0.medianSeconds })
                }
                cells += batches.map { cell(speedUp(row.measurement, batch: $0)) }
            }
            table.append(cells)
        }
        return table
    }

    struct LatencyRecord: Encodable {
        struct Variant: Encodable {
            var variant: String
            var chosen: InferenceKernel
            var candidates: [KernelMeasurement.Candidate]
        }
        var note: String
        var variants: [Variant]
    }

    var latencyRecord: LatencyRecord {
        LatencyRecord(
            note:
                "Inference of member 0 of each population on one thread, batch 1 and the evaluation batch; median of repeated runs after a warm-up, every kernel of every population taking its turn in each round. Predictions are made on each population's first (reference) kernel; 'chosen' is the fastest at the larger batch, 'agreement' the fraction of the timed batch where a kernel's top-1 class equals the reference kernel's.",
            variants: latency.map {
                .init(variant: $0.variant, chosen: $0.measurement.chosen, candidates: $0.measurement.candidates)
            })
    }

    /// CIE fraction and accuracy on CIEs of each compressed population against `x`, one
    /// labelled point per population (populations without an `x` are left out).
    func frontierChart(title: String, xLabel: String, x: (VariantRow) -> Double?) -> SVGLineChart {
        let rows = variantRows.dropFirst()
        func points(_ y: (CompressionImpact) -> Double?) -> [SVGLineChart.Point] {
            rows.compactMap { row in
                guard let x = x(row), let impact = row.analysis?.impact, let y = y(impact) else { return nil }
                return SVGLineChart.Point(x: x, y: y, label: row.variant)
            }
        }
        return SVGLineChart(
            title: title, xLabel: xLabel, yLabel: "fraction",
            series: [
                .init(name: "CIE fraction", points: points { $0.cieFraction }),
                .init(name: "compressed accuracy on CIEs", points: points { $0.compressedAccuracies.onCIEs }),
            ], showsLines: false)
    }

    /// The frontier against size on disk, which is part of the results (report.html).
    var sizeFrontierChart: SVGLineChart {
        frontierChart(title: "Disparity against size on disk", xLabel: "size relative to dense") { row in
            row.size.flatMap { size in baselineSize.map { Double(size) / Double($0) } }
        }
    }

    var frontier: HTMLReport {
        var page = HTMLReport(title: "Loupe compression audit: the frontier")
        page.addParagraph(
            "One point per compressed population: its disparity (the fraction of examples that are compression identified exemplars, and the compressed population's accuracy on them) against the speed-up of its fastest measured inference kernel over the dense population, and against its size on disk. Speed is measured on this machine (one thread, member 0, median of repeated runs); the disparity is the audit's result. See report.html for the CIEs themselves."
        )
        page.addParameters(parameters)
        let batch = timedBatches.last ?? 1
        page.addChart(
            frontierChart(
                title: "Disparity against measured speed-up (batch \(batch))", xLabel: "speed-up over dense (x)"
            ) {
                speedUp($0.measurement, batch: batch)
            })
        page.addChart(sizeFrontierChart)
        page.addHeading("Variants")
        let table = variantsTable
        // Four significant digits on the page; variants.csv keeps every digit. The variant is
        // shown by its name (isolated on the page, `HTMLReport.isolated`), not its CSV cell,
        // which a name such as `=pruned` has guarded against formulas.
        let rounded = zip(variantRows, table.rows).map { variant, row in
            [HTMLReport.isolated(variant.variant)]
                + row.dropFirst().map { cell in
                    cell.contains(".") ? Double(cell).map { String(format: "%.4g", $0) } ?? cell : cell
                }
        }
        page.addTable(headers: table.header, rows: rounded, numericColumns: Set(1..<table.header.count))
        page.addHeading("Kernels")
        page.addTable(
            headers: [
                "variant", "kernel", "batch", "median ms", "fastest ms", "slowest ms", "runs", "agreement", "chosen",
            ],
            rows: latency.flatMap { entry in
                entry.measurement.candidates.flatMap { candidate in
                    candidate.latencies.map { sample in
                        [
                            HTMLReport.isolated(entry.variant), candidate.kernel.rawValue, String(sample.batch),
                            String(format: "%.3f", 1000 * sample.medianSeconds),
                            String(format: "%.3f", 1000 * sample.fastestSeconds),
                            String(format: "%.3f", 1000 * sample.slowestSeconds), String(sample.runs),
                            String(format: "%.4f", candidate.agreement),
                            candidate.kernel == entry.measurement.chosen ? "yes" : "",
                        ]
                    }
                }
            }, numericColumns: [2, 3, 4, 5, 6, 7])
        return page
    }
}
