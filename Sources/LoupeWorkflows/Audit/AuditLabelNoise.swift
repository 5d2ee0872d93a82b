import Foundation
import LoupeData

/// label-noise.json of an audit on data with flipped labels: which flipped labels the audited
/// examples hold, and how many of them each variant's CIEs catch (precision against the base
/// rate).
public struct AuditLabelNoise: Encodable {
    public struct VariantRow: Encodable {
        public var variant: String
        public var cies: Int
        public var flipped_among_cies: Int
        public var precision: Double
        public var recall: Double
    }

    public var flipped_labels: [FlippedLabel]
    public var audited_examples: Int
    public var flipped_in_audited_examples: Int
    public var base_rate: Double
    public var variants: [VariantRow]

    init(_ flipped: [FlippedLabel], analyses: [VariantAnalysis], evaluated: Dataset) {
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
        flipped_labels = flipped
        audited_examples = audited.count
        flipped_in_audited_examples = flippedIDs.count
        base_rate = baseRate
        variants = rows
    }

    /// One line per variant for the log.
    var lines: [String] {
        variants.map { row in
            String(
                format: "%@: %d of %d CIEs have a flipped label (precision %.3f, base rate %.3f, %.1fx)",
                row.variant, row.flipped_among_cies, row.cies, row.precision, base_rate,
                base_rate > 0 ? row.precision / base_rate : 0)
        }
    }
}
