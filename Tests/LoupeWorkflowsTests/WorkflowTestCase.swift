import Foundation
import LoupeWorkflows
import XCTest

/// A temporary folder per test, a small synthetic dataset and progress that keeps its lines.
class WorkflowTestCase: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-workflows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// A CSV of `perClass` 8 x 8 images of each of `classes` classes: class c lights up row
    /// band c on a seeded noise background, so a small model learns it in an epoch.
    func syntheticData(classes: Int, perClass: Int = 40, name: String = "synthetic.csv") throws -> DataSource {
        var state: UInt64 = 12345
        var lines: [String] = []
        for index in 0..<(classes * perClass) {
            let label = index % classes
            var pixels: [Int] = []
            for pixel in 0..<64 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let noise = Int(state >> 59)
                pixels.append((pixel / 8) % classes == label ? 200 + noise : noise * 4)
            }
            lines.append(([label] + pixels).map(String.init).joined(separator: ","))
        }
        let url = folder.appendingPathComponent(name)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
        return DataSource(data: url.path)
    }

    /// The bytes of every regular file under `root` except the manifest, by relative path.
    func outputFiles(_ root: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let names = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
        for name in names where name != "manifest.json" {
            var isDirectory: ObjCBool = false
            let url = root.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[name] = try Data(contentsOf: url)
            }
        }
        return files
    }

    func csvRows(_ url: URL) throws -> [[String]] {
        try String(decoding: Data(contentsOf: url), as: UTF8.self).split(whereSeparator: \.isNewline).map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
    }
}

/// Keeps the lines a workflow logs.
final class RecordedProgress: WorkflowProgress, @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [String] = []
    var lines: [String] { lock.withLock { kept } }

    func log(_ line: String) { lock.withLock { kept.append(line) } }
    func meter(_ label: String, total: Int?) -> any ProgressMeter { Meter(owner: self) }

    final class Meter: ProgressMeter, @unchecked Sendable {
        let owner: RecordedProgress
        init(owner: RecordedProgress) { self.owner = owner }
        func advance(by count: Int) {}
        func log(_ line: String) { owner.log(line) }
        func finish() {}
    }
}
