import Foundation
import LoupeAttribution
import LoupeReport
import LoupeSupport

/// Writes roar.csv, ranking.csv, roar.svg and kar.svg (for the modes that were run) and
/// summary.json, and prints the ranking.
package struct RoarOutputs {
    var spec: RemoveAndRetrainSpec
    var result: RemoveAndRetrainResult
    var threads: Int
    var wallSeconds: Double

    /// The `method` of roar.csv's fraction-0 row: the base model on unmodified data.
    static let unmodified = "unmodified"

    /// roar.csv: one row per cell, after the unmodified base model's row (fraction 0, mode
    /// `none`); accuracies of the retrained models separated by semicolons; `std_accuracy` is
    /// the sample standard deviation, empty for a single model.
    var roarTable: CSVTable {
        var table = CSVTable(header: [
            "method", "fraction", "mode", "mean_accuracy", "std_accuracy", "retrains", "accuracies",
        ])
        table.append([
            .text(Self.unmodified), .number(0), "none", .number(result.base.accuracy), .empty, .number(1),
            .number(result.base.accuracy),
        ])
        for cell in result.cells {
            table.append([
                .text(cell.method), .text(roarFractionText(cell.percent)), .text(cell.mode.rawValue),
                .number(cell.meanAccuracy), cell.standardDeviation.map(CSVTable.Cell.number) ?? .empty,
                .number(cell.accuracies.count), .text(cell.accuracies.map(CSVTable.cell).joined(separator: ";")),
            ])
        }
        return table
    }

    var ranking: EstimatorRanking { EstimatorRanking(summaries: result.cells) }

    /// ranking.csv: per method, each mode's mean accuracy over fractions, its difference from
    /// the random control, the spread over retrains, and whether it beats random (by more
    /// than the spread); best first.
    var rankingTable: CSVTable {
        var table = CSVTable(header: [
            "method", "roar_mean_accuracy", "roar_vs_random", "roar_spread", "roar_beats_random",
            "roar_beats_random_beyond_spread", "kar_mean_accuracy", "kar_vs_random", "kar_spread", "kar_beats_random",
            "kar_beats_random_beyond_spread",
        ])
        func number(_ value: Double?) -> CSVTable.Cell { value.map(CSVTable.Cell.number) ?? .empty }
        func flag(_ value: Bool?) -> CSVTable.Cell { value.map { $0 ? "yes" : "no" } ?? .empty }
        for row in ranking.rows {
            table.append([
                .text(row.method), number(row.roarMeanAccuracy), number(row.roarDifferenceFromRandom),
                number(row.roarSpread),
                flag(row.roarBeatsRandom), flag(row.roarBeatsRandomBeyondSpread), number(row.karMeanAccuracy),
                number(row.karDifferenceFromRandom), number(row.karSpread), flag(row.karBeatsRandom),
                flag(row.karBeatsRandomBeyondSpread),
            ])
        }
        return table
    }

    /// Accuracy against the fraction removed (ROAR) or kept (KAR), one line per method,
    /// through the unmodified base model's accuracy at 0% removed or 100% kept.
    func chart(_ mode: RetrainMode) -> SVGLineChart {
        let series = spec.methods.map { method in
            var points = result.cells.filter { $0.method == method && $0.mode == mode }.map {
                (x: $0.percent, y: $0.meanAccuracy)
            }
            if mode == .roar {
                points.insert((x: 0, y: result.base.accuracy), at: 0)
            } else {
                points.append((x: 100, y: result.base.accuracy))
            }
            return SVGLineChart.Series(name: method, points: points)
        }
        return mode == .roar
            ? SVGLineChart(
                title: "ROAR: remove the top-ranked elements and retrain",
                xLabel: "% of input elements removed, highest-ranked first",
                yLabel: "test accuracy, mean of \(spec.retrains) retrains", series: series, width: 820)
            : SVGLineChart(
                title: "KAR: keep the top-ranked elements and retrain",
                xLabel: "% of input elements kept, highest-ranked first",
                yLabel: "test accuracy, mean of \(spec.retrains) retrains", series: series, width: 820)
    }

    /// What summary.json holds: the base model, the retrains on record and the ranking. What
    /// depends on the invocation (times, threads, and how much a resumed run reused) is
    /// printed and recorded in the manifest instead (``phaseSeconds``, the thread count), so
    /// the file is the same whenever the benchmark is repeated, on any number of threads.
    struct Summary: Encodable {
        var baseAccuracy: Double
        var channelMeans: [Float]
        var retrains: Int
        /// Training images of all recorded retrains.
        var recordedTrainingImages: Int
        var ranking: [EstimatorRanking.Row]
    }

    /// Seconds spent by this invocation, for the manifest: retraining as a whole, and each
    /// base model, map cache and retrain it made (single-thread seconds).
    var phaseSeconds: [String: Double] {
        var phases = ["wall": wallSeconds, "retraining": result.retrainingSeconds]
        if result.base.seconds > 0 { phases["base model"] = result.base.seconds }
        for maps in result.maps where maps.seconds > 0 { phases["maps \(maps.method)"] = maps.seconds }
        for record in result.records where record.seconds > 0 { phases[Self.phaseName(of: record)] = record.seconds }
        return phases
    }

    /// `gradient roar-10 #0`: a retrain's phase in the manifest.
    static func phaseName(of record: RetrainRecord) -> String {
        "\(record.method) \(record.mode.rawValue)-\(roarFractionText(record.percent)) #\(record.retrain)"
    }

    var imagesPerSecond: Double {
        result.retrainingSeconds > 0 ? Double(result.trainingImages) / result.retrainingSeconds : 0
    }

    /// Writes the files and records them as outputs; returns their names.
    func write(into directory: inout RunDirectory) throws -> [String] {
        var written = ["roar.csv", "ranking.csv"]
        try roarTable.write(to: directory.output("roar.csv"))
        try rankingTable.write(to: directory.output("ranking.csv"))
        for mode in spec.modes {
            let name = "\(mode.rawValue).svg"
            try AtomicFile.write(Data(chart(mode).svg.utf8), to: directory.output(name))
            written.append(name)
        }
        let summary = Summary(
            baseAccuracy: result.base.accuracy, channelMeans: result.channelMeans,
            retrains: result.records.count,
            recordedTrainingImages: result.records.reduce(0) { $0 + $1.trainingImages },
            ranking: ranking.rows)
        directory.recordPhases(phaseSeconds)
        try AtomicFile.write(try DeterministicJSON.encode(summary), to: directory.output("summary.json"))
        written.append("summary.json")
        return written
    }

    /// The ranking as a table for the terminal.
    var rankingText: String {
        func number(_ value: Double?, signed: Bool = false) -> String {
            guard let value else { return "-" }
            return String(format: signed ? "%+.4f" : "%.4f", value)
        }
        func verdict(_ beats: Bool?, _ beyond: Bool?) -> String {
            switch (beats, beyond) {
            case (nil, _): return "-"
            case (false?, _): return "no"
            case (true?, true?): return "yes"
            case (true?, false?): return "within spread"
            case (true?, nil): return "yes (1 retrain)"
            }
        }
        func padded(_ text: String, _ width: Int) -> String {
            text.count >= width ? text + " " : text.padding(toLength: width, withPad: " ", startingAt: 0)
        }
        var lines = [
            padded("method", 22) + padded("ROAR acc", 10) + padded("vs random", 11) + padded("beats random", 17)
                + padded("KAR acc", 10) + padded("vs random", 11) + "beats random"
        ]
        for row in ranking.rows {
            lines.append(
                padded(row.method, 22) + padded(number(row.roarMeanAccuracy), 10)
                    + padded(number(row.roarDifferenceFromRandom, signed: true), 11)
                    + padded(verdict(row.roarBeatsRandom, row.roarBeatsRandomBeyondSpread), 17)
                    + padded(number(row.karMeanAccuracy), 10)
                    + padded(number(row.karDifferenceFromRandom, signed: true), 11)
                    + verdict(row.karBeatsRandom, row.karBeatsRandomBeyondSpread))
        }
        return lines.joined(separator: "\n")
    }
}
