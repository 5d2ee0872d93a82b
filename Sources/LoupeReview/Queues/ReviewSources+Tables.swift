import Foundation
import LoupeSupport

extension ReviewSources {
    /// An audit's `cie.csv`: one queue of CIEs per variant, each variant's outcome per example.
    mutating func addAudit(_ table: CSVRecords, from folder: String) throws -> String? {
        let source = folder + "/cie.csv"
        guard let variantColumn = table.columns["variant"] else {
            throw InputError(source: source, problem: "no column 'variant'")
        }
        let numeric = try [
            "id", "baseline_modal_label", "compressed_modal_label", "taxicab_score", "is_cie", "baseline_accuracy",
            "compressed_accuracy",
        ].map { try Self.numbers(table, $0, from: source) }
        let (ids, dense, compressed, taxicab, isCIE, denseAccuracy, compressedAccuracy) = (
            numeric[0], numeric[1], numeric[2], numeric[3], numeric[4], numeric[5], numeric[6]
        )
        var order: [String] = []
        var rowsByVariant: [String: [Int]] = [:]
        for (row, cells) in table.rows.enumerated() {
            let variant = cells[variantColumn]
            if rowsByVariant[variant] == nil { order.append(variant) }
            rowsByVariant[variant, default: []].append(row)
        }
        for variant in order {
            var seen = Set<Int>()
            var entries: [ReviewQueue.Entry] = []
            for row in rowsByVariant[variant]! {
                guard let id = Self.integer(ids[row]), let denseLabel = Self.integer(dense[row]),
                    let compressedLabel = Self.integer(compressed[row])
                else {
                    throw InputError(source: source, problem: "data row \(row + 1): an id or label is not an integer")
                }
                guard seen.insert(id).inserted else {
                    throw InputError(source: source, problem: "\(variant): id \(id) appears twice")
                }
                populations[id, default: []].append(
                    PopulationOutcome(
                        folder: folder, variant: variant, isCIE: isCIE[row] == 1, taxicabScore: taxicab[row],
                        denseModalLabel: denseLabel, compressedModalLabel: compressedLabel,
                        denseAccuracy: denseAccuracy[row], compressedAccuracy: compressedAccuracy[row]))
                if isCIE[row] == 1 {
                    entries.append(
                        ReviewQueue.Entry(
                            id: id, scores: [taxicab[row], denseAccuracy[row], compressedAccuracy[row]],
                            modalLabels: ["dense": denseLabel, variant: compressedLabel]))
                }
            }
            queues.append(
                ReviewQueue(
                    name: "cie:\(variant)", title: "CIEs of \(variant), by Taxicab score", kind: .cie, folder: folder,
                    scoreNames: ["taxicab_score", "dense_accuracy", "compressed_accuracy"],
                    sortScore: "taxicab_score", descending: true, entries: entries
                ).ranked())
        }
        return Self.pathSplit(table)
    }

    /// A difficulty run's `difficulty.csv`: a queue per score (hardest first, by its rank
    /// column) and confident learning's label issues.
    mutating func addDifficulty(_ table: CSVRecords, from folder: String) throws -> String? {
        let source = folder + "/difficulty.csv"
        let ids = try Self.ids(table, from: source)
        let names = table.header.filter { table.columns[$0 + "_rank"] != nil }
        guard !names.isEmpty else { throw InputError(source: source, problem: "no score columns (score, score_rank)") }
        let values = try names.map { try Self.numbers(table, $0, from: source) }
        let ranks = try names.map { try Self.numbers(table, $0 + "_rank", from: source) }
        let predictions = try table.columns["final_prediction"].map { _ in
            try Self.numbers(table, "final_prediction", from: source)
        }
        for (row, id) in ids.enumerated() {
            var scores = difficulty[id, default: [:]]
            for (s, name) in names.enumerated() { scores[name] = values[s][row] }
            difficulty[id] = scores
        }
        // A queue's own score comes first (a grid card shows the first ones), its rank last.
        func order(leading: Int?) -> [Int] {
            leading.map { lead in [lead] + names.indices.filter { $0 != lead } } ?? Array(names.indices)
        }
        func entry(_ row: Int, leading: Int?, rank: Double) -> ReviewQueue.Entry {
            ReviewQueue.Entry(
                id: ids[row], scores: order(leading: leading).map { values[$0][row] } + [rank],
                modalLabels: predictions.flatMap { Self.integer($0[row]) }.map { ["model": $0] } ?? [:])
        }
        for (s, name) in names.enumerated() {
            let rows = ids.indices.sorted { (ranks[s][$0], ids[$0]) < (ranks[s][$1], ids[$1]) }
            queues.append(
                ReviewQueue(
                    name: "difficulty:\(name)", title: "Hardest by \(name)", kind: .difficulty, folder: folder,
                    scoreNames: order(leading: s).map { names[$0] } + [name + "_rank"], sortScore: name + "_rank",
                    descending: false, entries: rows.map { entry($0, leading: s, rank: ranks[s][$0]) }))
        }
        if table.columns["cl_label_issue"] != nil {
            let flagged = try Self.numbers(table, "cl_label_issue", from: source)
            let selfConfidence = names.firstIndex(of: "self-confidence")
            let rows = ids.indices.filter { flagged[$0] == 1 }.sorted {
                guard let selfConfidence else { return ids[$0] < ids[$1] }
                return (ranks[selfConfidence][$0], ids[$0]) < (ranks[selfConfidence][$1], ids[$1])
            }
            queues.append(
                ReviewQueue(
                    name: "label-issues", title: "Label issues found by confident learning", kind: .labelIssues,
                    folder: folder,
                    scoreNames: order(leading: selfConfidence).map { names[$0] } + ["self-confidence_rank"],
                    sortScore: selfConfidence == nil ? nil : "self-confidence_rank", descending: false,
                    entries: rows.map {
                        entry($0, leading: selfConfidence, rank: selfConfidence.map { ranks[$0] }?[$0] ?? .nan)
                    }
                ))
        }
        return Self.pathSplit(table)
    }

    /// Any CSV with an `id` column and at least one numeric score column: one queue, by the
    /// column named `score` if there is one, else by the first score column, highest first.
    mutating func addScores(_ table: CSVRecords, from file: String) throws -> String? {
        let ids = try Self.ids(table, from: file)
        let skipped: Set<String> = ["id", "label", "path", "class_name"]
        var names: [String] = []
        var values: [[Double]] = []
        for name in table.header where !skipped.contains(name) {
            guard let column = try? Self.numbers(table, name, from: file) else { continue }
            names.append(name)
            values.append(column)
        }
        guard !names.isEmpty else {
            throw InputError(source: file, problem: "no score column (a column of numbers besides id and label)")
        }
        let sort = names.contains("score") ? "score" : names[0]
        let base = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        queues.append(
            ReviewQueue(
                name: "csv:\(base)", title: "\(base), by \(sort)", kind: .csv, folder: file, scoreNames: names,
                sortScore: sort, descending: true,
                entries: ids.indices.map { row in ReviewQueue.Entry(id: ids[row], scores: values.map { $0[row] }) }
            ).ranked())
        return Self.pathSplit(table)
    }

    /// `value` as an integer, if it is one.
    static func integer(_ value: Double) -> Int? {
        value.isFinite && value == value.rounded() && abs(value) < 1e15 ? Int(value) : nil
    }
}
