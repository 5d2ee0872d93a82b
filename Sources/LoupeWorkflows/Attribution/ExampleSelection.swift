import Foundation
import LoupeAttribution
import LoupeData
import LoupeReport
import LoupeSupport
import LoupeTensor

/// The examples `loupe attribute` explains: given ids, or the top of a CIE or VoG ranking.
package struct ExampleSelection {
    /// Example ids, in the order they are shown.
    package var ids: [Int]
    /// The ranking's column, what it ranks (for the page: a variant's name in it is marked to be
    /// isolated, ``HTMLReport/isolated(_:)``), and each selected example's value in it, if ranked.
    package var score: (column: String, description: String, values: [Double])?
    /// Files read to make the selection.
    package var sources: [URL]

    /// Comma-separated ids.
    package static func ids(_ text: String) throws -> ExampleSelection {
        var ids: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let id = Int(part.trimmingCharacters(in: .whitespaces)), id >= 0 else {
                throw InputError(
                    source: "--ids", problem: "expected example ids separated by commas, got '\(text)'")
            }
            if !ids.contains(id) { ids.append(id) }
        }
        return ExampleSelection(ids: ids, score: nil, sources: [])
    }

    /// The `count` CIEs of `variant` (default: the last variant listed) with the highest
    /// Taxicab score in a `cie.csv` written by `loupe audit` (or its directory); ties by id.
    static func topCIEs(_ path: String, variant: String?, count: Int) throws -> ExampleSelection {
        var url = URL(fileURLWithPath: path)
        if url.hasDirectoryPath || !path.hasSuffix(".csv") { url.appendPathComponent("cie.csv") }
        let cie = try CIEJoin(url: url, variant: variant)
        let candidates = cie.isCIE.filter(\.value).map { (id: $0.key, score: cie.taxicab[$0.key]!) }
        guard !candidates.isEmpty else {
            throw InputError(source: url.path, problem: "variant '\(cie.variant)' has no CIEs")
        }
        let top = candidates.sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }.prefix(count)
        return ExampleSelection(
            ids: top.map(\.id),
            score: ("taxicab_score", "Taxicab score of CIEs of \(HTMLReport.isolated(cie.variant))", top.map(\.score)),
            sources: [url])
    }

    /// The `count` examples with the highest value of `column` (a VoG score) in a
    /// `difficulty.csv` written by `loupe difficulty` (or its directory); ties by id.
    static func topVoG(_ path: String, column: String, count: Int) throws -> ExampleSelection {
        var url = URL(fileURLWithPath: path)
        if url.hasDirectoryPath || !path.hasSuffix(".csv") { url.appendPathComponent("difficulty.csv") }
        let table = try CSVColumns(url: url, required: ["id", column])
        var candidates: [(id: Int, score: Double)] = []
        for (line, row) in table.rows.enumerated() {
            guard let id = Int(row[table.column["id"]!]), let score = Double(row[table.column[column]!]) else {
                throw InputError(source: url.path, problem: "line \(line + 2): malformed id or \(column)")
            }
            if score.isFinite { candidates.append((id, score)) }
        }
        guard !candidates.isEmpty else { throw InputError(source: url.path, problem: "no rows") }
        let top = candidates.sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }.prefix(count)
        return ExampleSelection(ids: top.map(\.id), score: (column, column, top.map(\.score)), sources: [url])
    }
}
