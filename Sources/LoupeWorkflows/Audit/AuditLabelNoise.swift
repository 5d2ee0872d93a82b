import Foundation
import LoupeData

/// label-noise.json of an audit on data with flipped labels: which flipped labels the audited
/// examples hold, and how many of them each variant's CIEs catch (precision against the base
/// rate).
public struct AuditLabelNoise: Encodable {
    public struct VariantRow: Encodable {
        public var variant: String
        public var cies: Int
        public var flippedAmongCIEs: Int
        public var precision: Double
        public var recall: Double

        enum CodingKeys: String, CodingKey {
            case variant, cies
            case flippedAmongCIEs = "flipped_among_cies"
            case precision, recall
        }
    }

    public var flippedLabels: [FlippedLabel]
    public var auditedExamples: Int
    public var flippedInAuditedExamples: Int
    public var baseRate: Double
    public var variants: [VariantRow]

    init(_ flipped: [FlippedLabel], analyses: [VariantAnalysis], evaluated: Dataset) {
        let audited = Set(evaluated.ids)
        let flippedIDs = Set(flipped.map(\.id)).intersection(audited)
        let baseRate = Double(flippedIDs.count) / Double(max(audited.count, 1))
        let rows = analyses.map { analysis -> VariantRow in
            let cies = analysis.impact.cieIDs
            let hits = cies.filter(flippedIDs.contains).count
            return VariantRow(
                variant: analysis.variant, cies: cies.count, flippedAmongCIEs: hits,
                precision: cies.isEmpty ? 0 : Double(hits) / Double(cies.count),
                recall: flippedIDs.isEmpty ? 0 : Double(hits) / Double(flippedIDs.count))
        }
        flippedLabels = flipped
        auditedExamples = audited.count
        flippedInAuditedExamples = flippedIDs.count
        self.baseRate = baseRate
        variants = rows
    }

    /// One line per variant for the log.
    var lines: [String] {
        variants.map { row in
            String(
                format: "%@: %d of %d CIEs have a flipped label (precision %.3f, base rate %.3f, %.1fx)",
                row.variant, row.flippedAmongCIEs, row.cies, row.precision, baseRate,
                baseRate > 0 ? row.precision / baseRate : 0)
        }
    }

    enum CodingKeys: String, CodingKey {
        case flippedLabels = "flipped_labels"
        case auditedExamples = "audited_examples"
        case flippedInAuditedExamples = "flipped_in_audited_examples"
        case baseRate = "base_rate"
        case variants
    }
}
