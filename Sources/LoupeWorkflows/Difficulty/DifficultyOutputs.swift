import Foundation
import LoupeAudit
import LoupeData
import LoupeReport
import LoupeSupport

/// CIE results of a `loupe audit` run, by example id, for one variant.
package struct CIEJoin {
    package var variant: String
    package var isCIE: [Int: Bool]
    package var taxicab: [Int: Double]

    /// Reads `cie.csv` of an audit directory; `variant` defaults to the last one listed.
    package init(directory: URL, variant: String?) throws {
        try self.init(url: directory.appendingPathComponent("cie.csv"), variant: variant)
    }

    /// Reads a `cie.csv` written by `loupe audit`, by column name; `variant` defaults to the
    /// last one listed.
    package init(url: URL, variant: String?) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw InputError(source: url.path, problem: "no CIE results (run `loupe audit` first)")
        }
        let table = try CSVColumns(
            url: url, required: ["variant", "id", "taxicab_score", "is_cie"],
            textColumns: ["variant", "path", "class_name"])
        let (variantColumn, idColumn) = (table.column["variant"]!, table.column["id"]!)
        let (scoreColumn, cieColumn) = (table.column["taxicab_score"]!, table.column["is_cie"]!)
        guard let chosen = variant ?? table.rows.last?[variantColumn] else {
            throw InputError(source: url.path, problem: "no rows")
        }
        self.variant = chosen
        isCIE = [:]
        taxicab = [:]
        for (line, row) in table.rows.enumerated() where row[variantColumn] == chosen {
            guard let id = Int(row[idColumn]), let score = Double(row[scoreColumn]), score.isFinite else {
                throw InputError(source: url.path, problem: "line \(line + 2): malformed id or taxicab_score")
            }
            isCIE[id] = row[cieColumn] == "1"
            taxicab[id] = score
        }
        guard !isCIE.isEmpty else { throw InputError(source: url.path, problem: "no rows for variant '\(chosen)'") }
    }

    /// Refuses CIE results of examples that are not in `scored`: an audit of the test split
    /// joined onto training scores left every CIE column empty, silently.
    package func check(covers scored: Dataset, split: EvaluatedSplit, file: URL) throws {
        let ids = Set(scored.ids)
        let foreign = isCIE.keys.filter { !ids.contains($0) }.count
        guard foreign == 0 else {
            throw InputError(
                source: file.appendingPathComponent("cie.csv").path,
                problem:
                    "\(foreign) of its \(isCIE.count) examples are not in the \(split.rawValue) split scored here (an audit of the other split? give --evaluate)"
            )
        }
    }
}

/// Writes difficulty.csv, difficulty.jsonl, scores/*.npy, deciles.csv and difficulty.html.
struct DifficultyOutputs {
    var data: Dataset
    var result: DifficultyRun.Result
    var flipped: Set<Int>?
    var cie: CIEJoin?
    var galleryPerClass = 4

    func write(into directory: inout RunDirectory) throws {
        let scores = result.scores
        let ranks = scores.map { score -> [Int] in
            // Rank 1 = hardest; ties by example order.
            let hardness = score.hardness  // computed once: it is a derived array
            let order = hardness.indices.sorted { a, b in
                let (x, y) = (hardness[a], hardness[b])
                return x != y ? x > y : a < b
            }
            var rank = [Int](repeating: 0, count: order.count)
            for (position, index) in order.enumerated() { rank[index] = position + 1 }
            return rank
        }
        var header = ["id", "label"] + data.namingColumns
        if result.finalPredictions != nil { header.append("final_prediction") }
        if flipped != nil { header.append("label_flipped") }
        if result.labelIssues != nil { header.append("cl_label_issue") }
        if cie != nil { header += ["is_cie", "taxicab_score"] }
        for score in scores { header += [score.name, score.name + "_rank"] }
        var table = CSVTable(header: header)
        var lines: [[String: JSONValue]] = []
        for index in 0..<data.count {
            let id = data.ids[index]
            var row: [String: JSONValue] = ["id": .number(Double(id)), "label": .number(Double(data.labels[index]))]
            var cells: [CSVTable.Cell] =
                [.number(id), .number(data.labels[index])] + data.namingCells(at: index).map(CSVTable.Cell.text)
            for (column, cell) in zip(data.namingColumns, data.namingCells(at: index)) { row[column] = .string(cell) }
            if let predictions = result.finalPredictions {
                cells.append(.number(predictions[index]))
                row["final_prediction"] = .number(Double(predictions[index]))
            }
            if let flipped {
                cells.append(.number(flipped.contains(id) ? 1 : 0))
                row["label_flipped"] = .bool(flipped.contains(id))
            }
            if let issues = result.labelIssues {
                cells.append(.number(issues[index] ? 1 : 0))
                row["cl_label_issue"] = .bool(issues[index])
            }
            if let cie {
                cells += [
                    cie.isCIE[id].map { .number($0 ? 1 : 0) } ?? .empty,
                    cie.taxicab[id].map(CSVTable.Cell.number) ?? .empty,
                ]
                row["is_cie"] = cie.isCIE[id].map { .bool($0) } ?? .null
                row["taxicab_score"] = cie.taxicab[id].map { .number($0) } ?? .null
            }
            for (s, score) in scores.enumerated() {
                cells += [.number(score.values[index]), .number(ranks[s][index])]
                row[score.name] = score.values[index].isFinite ? .number(score.values[index]) : .null
                row[score.name + "_rank"] = .number(Double(ranks[s][index]))
            }
            table.append(cells)
            lines.append(row)
        }
        try table.write(to: directory.output("difficulty.csv"))
        try JSONLines.write(lines.map { JSONValue.object($0) }, to: directory.output("difficulty.jsonl"))

        try FileManager.default.createDirectory(
            at: directory.url.appendingPathComponent("scores"), withIntermediateDirectories: true)
        // What each score is and which way it points: ranks always put the hardest first.
        var directions: [String: JSONValue] = [:]
        for score in scores {
            directions[score.name] = .object([
                "measure": .string(score.measure.rawValue), "direction": .string(score.measure.direction.rawValue),
            ])
        }
        try AtomicFile.write(
            try DeterministicJSON.encode(JSONValue.object(directions)), to: directory.output("scores/directions.json"))
        try NPYFile.write(data.ids.map(Int64.init), shape: [data.count], to: directory.output("scores/ids.npy"))
        for score in scores {
            try NPYFile.write(
                score.values.map(Float.init), shape: [data.count], to: directory.output("scores/\(score.name).npy"))
        }

        try report(ranks: ranks).write(to: directory.output("difficulty.html"))
        guard let predictions = result.finalPredictions else { return }
        let correct = zip(predictions, data.labels).map { $0 == $1 }
        var deciles = CSVTable(header: [
            "score", "direction", "decile", "examples", "min_hardness", "max_hardness", "errors", "error_rate",
        ])
        for score in scores {
            let table = try DecileTable(scores: score.hardness, correct: correct)
            for row in table.rows {
                deciles.append([
                    .text(score.name), .text(score.measure.direction.rawValue), .number(row.decile + 1),
                    .number(row.count), .number(row.minimumScore), .number(row.maximumScore), .number(row.errors),
                    .number(row.errorRate),
                ])
            }
        }
        try deciles.write(to: directory.output("deciles.csv"))
    }

    func report(ranks: [[Int]]) -> HTMLReport {
        var page = HTMLReport(title: "Loupe example difficulty")
        page.addParagraph(
            "Every training example ranked by each score (rank 1 = hardest; each score's direction is applied). The hardest and easiest examples of each class per score, for review."
        )
        page.addParameters([
            ("data", "\(HTMLReport.isolated(data.name)): \(data.count) training examples"),
            ("scores", result.scores.map(\.name).joined(separator: ", ")),
        ])
        let shown = result.scores.filter {
            ["vog-late-normalized", "vog-normalized", "aum", "forgetting", "self-confidence", "el2n"].contains($0.name)
        }
        for score in shown {
            let s = result.scores.firstIndex { $0.name == score.name }!
            page.addHeading(score.name)
            for end in ["hardest", "easiest"] {
                var items: [HTMLReport.GalleryItem] = []
                for label in 0..<Int32(data.classCount) {
                    let members = data.labels.indices.filter { data.labels[$0] == label }.sorted {
                        ranks[s][$0] < ranks[s][$1]
                    }
                    let picked = end == "hardest" ? members.prefix(galleryPerClass) : members.suffix(galleryPerClass)
                    items += picked.map { index in
                        HTMLReport.GalleryItem(
                            image: thumbnail(data, position: index),
                            captionLines: [
                                "id \(data.ids[index])  label \(data.labels[index])",
                                result.finalPredictions.map { "predicted \($0[index])" } ?? "",
                                String(format: "%@ %.3g  rank %d", score.name, score.values[index], ranks[s][index]),
                            ] + data.namingCaption(at: index),
                            badge: flipped?.contains(data.ids[index]) == true ? "flipped" : nil)
                    }
                }
                page.addDetails(summary: "\(score.name): \(end) per class", open: end == "hardest") { section in
                    section.addGallery(items, scale: 2)
                }
            }
        }
        return page
    }
}

/// A dataset image as a PNG (grayscale, or RGB for three channels), its stored [0, 1] scalars
/// mapped to 0...255.
package func thumbnail(_ data: Dataset, position: Int) -> PNGImage {
    let shape = data.shape
    return AttributionPicture.image(
        data.images(at: [position]).scalars, channels: shape.channels, height: shape.height, width: shape.width,
        range: .unit)
}
