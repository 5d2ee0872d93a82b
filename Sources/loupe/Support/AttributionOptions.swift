import ArgumentParser
import Foundation
import LoupeAttribution
import LoupeData
import LoupeReport
import LoupeSupport
import LoupeTensor

/// The options that configure the attribution methods, shared by `loupe attribute` and
/// `loupe benchmark invariance`.
struct AttributionMethodOptions: ParsableArguments {
    @Option(help: "Riemann steps of integrated gradients.") var steps: Int = 50
    @Option(help: "Noisy copies per image for smoothgrad, smoothgrad-squared and vargrad.") var samples: Int = 25
    @Option(help: "Noise standard deviation of the SmoothGrad family, as a fraction of the input range.")
    var noise: Float = 0.15
    @Option(help: "Run seed; each example's noise and random map are seeded by it and the example's id.")
    var seed: UInt64 = 0

    /// The settings for data in `range`, with `baseline` for integrated gradients.
    func settings(inputRange: InputRange, baseline: Baseline = .zero) -> AttributionSettings {
        AttributionSettings(
            inputRange: inputRange, baseline: baseline, steps: steps, samples: samples, noiseFraction: noise)
    }
}

/// The examples `loupe attribute` explains: given ids, or the top of a CIE or VoG ranking.
struct ExampleSelection {
    /// Example ids, in the order they are shown.
    var ids: [Int]
    /// The ranking's column, what it ranks (for the page), and each selected example's
    /// value in it, if ranked.
    var score: (column: String, description: String, values: [Double])?
    /// Files read to make the selection.
    var sources: [URL]

    /// Comma-separated ids.
    static func ids(_ text: String) throws -> ExampleSelection {
        var ids: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let id = Int(part.trimmingCharacters(in: .whitespaces)), id >= 0 else {
                throw AttributionError(
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
            throw FileError(path: url.path, problem: "variant '\(cie.variant)' has no CIEs")
        }
        let top = candidates.sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }.prefix(count)
        return ExampleSelection(
            ids: top.map(\.id), score: ("taxicab_score", "Taxicab score of CIEs of \(cie.variant)", top.map(\.score)),
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
                throw FileError(path: url.path, problem: "line \(line + 2): malformed id or \(column)")
            }
            if score.isFinite { candidates.append((id, score)) }
        }
        guard !candidates.isEmpty else { throw FileError(path: url.path, problem: "no rows") }
        let top = candidates.sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }.prefix(count)
        return ExampleSelection(ids: top.map(\.id), score: (column, column, top.map(\.score)), sources: [url])
    }
}

/// Pictures of attribution maps: the image, the map and the map over the image, side by side.
enum AttributionPicture {
    /// One image (`[C, H, W]` scalars) as 8-bit pixels, `range` mapped to 0...255; grayscale
    /// for one channel, RGB for three, the channel mean otherwise.
    static func image(_ scalars: [Float], channels: Int, height: Int, width: Int, range: InputRange) -> PNGImage {
        let plane = height * width
        func byte(_ value: Float) -> UInt8 {
            let t = range.width > 0 ? (value - range.lower) / range.width : 0
            return UInt8(max(0, min(255, (t * 255).rounded())))
        }
        if channels == 3 {
            var rgb = [UInt8](repeating: 0, count: 3 * plane)
            for p in 0..<plane { for c in 0..<3 { rgb[3 * p + c] = byte(scalars[c * plane + p]) } }
            return PNGImage(width: width, height: height, channels: .rgb, pixels: rgb)
        }
        let gray = (0..<plane).map { p in
            byte((0..<channels).reduce(Float(0)) { $0 + scalars[$1 * plane + p] } / Float(channels))
        }
        return PNGImage(width: width, height: height, channels: .grayscale, pixels: gray)
    }

    /// The map summed over channels, blue (negative) through white to red (positive),
    /// scaled to its own largest magnitude.
    static func heatmap(_ map: [Float], channels: Int, height: Int, width: Int) -> PNGImage {
        let plane = height * width
        let summed = (0..<plane).map { p in (0..<channels).reduce(Float(0)) { $0 + map[$1 * plane + p] } }
        return Heatmap.image(summed, width: width, height: height)
    }

    /// Image, heatmap and the heatmap over the image at half opacity, with 2-pixel white gaps.
    static func triplet(image: PNGImage, heatmap: PNGImage) -> PNGImage {
        let overlay = Heatmap.overlay(heatmap, on: image, alpha: 0.5)
        let rgbImage = image.channels == .rgb ? image.pixels : image.pixels.flatMap { [$0, $0, $0] }
        let gap = 2
        let (width, height) = (image.width, image.height)
        let total = 3 * width + 2 * gap
        var pixels = [UInt8](repeating: 255, count: total * height * 3)
        for (panel, source) in [rgbImage, heatmap.pixels, overlay.pixels].enumerated() {
            let left = panel * (width + gap)
            for row in 0..<height {
                for column in 0..<width {
                    for c in 0..<3 {
                        pixels[(row * total + left + column) * 3 + c] = source[(row * width + column) * 3 + c]
                    }
                }
            }
        }
        return PNGImage(width: total, height: height, channels: .rgb, pixels: pixels)
    }
}

/// A method name as a file name: `smoothgrad(integrated-gradients)` becomes
/// `smoothgrad_integrated-gradients`.
func attributionFileName(_ methodName: String) -> String {
    methodName.replacingOccurrences(of: "(", with: "_").replacingOccurrences(of: ")", with: "")
}
