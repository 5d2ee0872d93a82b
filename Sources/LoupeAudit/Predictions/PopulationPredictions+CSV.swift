import Foundation
import LoupeSupport

extension PopulationPredictions {
    /// Reads the predictions of an externally trained population from a long-form CSV file:
    /// a header naming the columns `model`, `id` and `label` (any order), then one row per
    /// model and example, for example
    ///
    ///     model,id,label
    ///     seed0,0,7
    ///     seed0,1,2
    ///     seed1,0,7
    ///     seed1,1,3
    ///
    /// Models are any strings, numbered in order of first appearance; every model must have
    /// exactly one row per example id. Examples are ordered as `expectedIDs` when given, else
    /// by ascending id. Blank lines are skipped, `\r\n` line endings are accepted and a UTF-8
    /// byte-order mark is dropped (the file is read by `InputFile.readText`).
    ///
    /// - Throws: `InputError` naming the file; see `parseCSV`.
    public static func readCSV(
        _ url: URL, name: String, classCount: Int, expectedIDs: [Int]? = nil
    ) throws -> PopulationPredictions {
        try parseCSV(
            InputFile.readText(url), file: url.lastPathComponent, name: name, classCount: classCount,
            expectedIDs: expectedIDs)
    }

    /// Parses long-form prediction CSV text (see `readCSV`); `file` names it in errors.
    ///
    /// - Throws: `InputError` for a header without `model`, `id` or `label`, a row with
    ///   the wrong number of cells, a non-integer id or label, a (model, id) pair given twice,
    ///   a model without a row for some id, an id not in `expectedIDs` or one of them missing,
    ///   a label outside `0..<classCount`, or no data rows.
    public static func parseCSV(
        _ text: String, file: String, name: String, classCount: Int, expectedIDs: [Int]? = nil
    ) throws -> PopulationPredictions {
        func fail(_ problem: String) -> InputError { InputError(source: file, problem: problem) }
        var columns: (model: Int, id: Int, label: Int, count: Int)?
        var modelNames: [String] = []
        var modelIndex: [String: Int] = [:]
        var rows: [[Int: Int32]] = []  // per model: id -> label
        var allIDs = Set<Int>()
        // "\r\n" is a single Character in Swift, so it is a separator of its own.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (index, line) in lines.enumerated() {
            let lineNumber = index + 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard let layout = columns else {
                guard let model = cells.firstIndex(of: "model"), let id = cells.firstIndex(of: "id"),
                    let label = cells.firstIndex(of: "label")
                else { throw fail("line \(lineNumber): header must name the columns 'model', 'id' and 'label'") }
                columns = (model, id, label, cells.count)
                continue
            }
            guard cells.count == layout.count else {
                throw fail("line \(lineNumber): \(cells.count) cells, expected \(layout.count)")
            }
            guard let id = Int(cells[layout.id]) else {
                throw fail("line \(lineNumber): id \(EscapedText.quoted(cells[layout.id])) is not an integer")
            }
            guard let label = Int32(cells[layout.label]) else {
                throw fail("line \(lineNumber): label \(EscapedText.quoted(cells[layout.label])) is not an integer")
            }
            guard (0..<classCount).contains(Int(label)) else {
                throw fail("line \(lineNumber): label \(label) is outside 0..<\(classCount)")
            }
            let model = cells[layout.model]
            let position: Int
            if let known = modelIndex[model] {
                position = known
            } else {
                position = modelNames.count
                modelIndex[model] = position
                modelNames.append(model)
                rows.append([:])
            }
            guard rows[position].updateValue(label, forKey: id) == nil else {
                throw fail("line \(lineNumber): model \(EscapedText.quoted(model)) has more than one row for id \(id)")
            }
            allIDs.insert(id)
        }
        guard columns != nil else { throw fail("no header row") }
        guard !rows.isEmpty else { throw fail("no data rows") }
        let ids: [Int]
        if let expectedIDs {
            let expected = Set(expectedIDs)
            if let extra = allIDs.subtracting(expected).min() {
                throw fail("id \(extra) is not among the expected example ids")
            }
            if let missing = expectedIDs.first(where: { !allIDs.contains($0) }) {
                throw fail("no prediction for expected id \(missing)")
            }
            ids = expectedIDs
        } else {
            ids = allIDs.sorted()
        }
        var labels: [Int32] = []
        labels.reserveCapacity(rows.count * ids.count)
        for (model, row) in rows.enumerated() {
            for id in ids {
                guard let label = row[id] else {
                    throw fail("model \(EscapedText.quoted(modelNames[model])) has no row for id \(id)")
                }
                labels.append(label)
            }
        }
        return try PopulationPredictions(
            name: name, source: file, exampleIDs: ids, modelCount: rows.count, classCount: classCount,
            labels: labels, logits: nil)
    }
}
