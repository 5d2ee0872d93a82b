import Foundation
import LoupeData
import LoupeSupport

/// Attribution maps of `loupe attribute` output folders (`ids.npy` and one `<method>.npy` of
/// `[N, C, H, W]` maps per method), by example id: the heatmaps of the detail view.
struct AttributionMaps: Sendable {
    /// One method's map of one example.
    struct Map: Sendable {
        var title: String
        var values: ArraySlice<Float>
    }

    private(set) var byExample: [Int: [Map]] = [:]
    let shape: ImageShape

    /// Whether `url` is an attribute output folder.
    static func isAttributionFolder(_ url: URL) -> Bool {
        ["ids.npy", "examples.csv", "attributions.html"].allSatisfy {
            FileManager.default.fileExists(atPath: url.appendingPathComponent($0).path)
        }
    }

    /// Reads every attribute folder among `folders` and their immediate subfolders whose ids
    /// are examples of `examples`.
    ///
    /// - Throws: `InputError` naming the file when a map's shape is not the data's or its ids
    ///   are not examples of the reviewed split.
    init(folders: [URL], examples: Dataset, positions: [Int: Int]) throws {
        shape = examples.shape
        var candidates: [URL] = []
        for folder in folders {
            candidates.append(folder)
            let children =
                (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
            candidates += children.sorted { $0.path < $1.path }
        }
        for folder in candidates where Self.isAttributionFolder(folder) { try add(folder, positions: positions) }
    }

    private mutating func add(_ folder: URL, positions: [Int: Int]) throws {
        let idsFile = folder.appendingPathComponent("ids.npy")
        guard case .int64(let ids) = try NPYFile.read(idsFile).elements else {
            throw InputError(source: idsFile.path, problem: "expected int64 example ids")
        }
        if let unknown = ids.first(where: { positions[Int($0)] == nil }) {
            throw InputError(source: idsFile.path, problem: "id \(unknown) is not an example of the reviewed split")
        }
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "npy" && $0.lastPathComponent != "ids.npy" }.sorted { $0.path < $1.path }
        for file in files {
            let array = try NPYFile.read(file)
            let expected = [ids.count, shape.channels, shape.height, shape.width]
            guard array.shape == expected, case .float32(let values) = array.elements else {
                throw InputError(
                    source: file.path, problem: "expected float32 maps of shape \(expected), found \(array.shape)")
            }
            let title = file.deletingPathExtension().lastPathComponent
            for (row, id) in ids.enumerated() {
                let start = row * shape.pixelCount
                byExample[Int(id), default: []].append(
                    Map(title: title, values: values[start..<start + shape.pixelCount]))
            }
        }
    }
}
