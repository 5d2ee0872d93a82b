import Foundation
import LoupeKernels
import LoupeReport
import LoupeSupport

/// An output directory and the run manifest written into it when the command finishes.
struct RunDirectory {
    let url: URL
    var recorder: RunRecorder
    private(set) var outputs: [URL] = []

    init(path: String, configuration: some Encodable, seeds: [String: UInt64], threads: Int = 1) throws {
        url = URL(fileURLWithPath: path, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw FileError(path: path, problem: "cannot create output directory")
        }
        let json = try DeterministicJSON.decode(JSONValue.self, from: try DeterministicJSON.encode(configuration))
        recorder = RunRecorder(
            tool: "loupe", toolVersion: Loupe.version, configuration: json, seeds: seeds, threadCount: threads)
        recorder.kernelPath = KernelPath.active.rawValue
    }

    /// Hashes each distinct input file into the manifest.
    mutating func recordInputs(_ urls: [URL]) throws {
        var seen = Set<String>()
        for url in urls where seen.insert(url.standardizedFileURL.path).inserted {
            try recorder.recordInput(url)
        }
    }

    /// A path inside the directory, recorded as an output.
    mutating func output(_ relativePath: String) -> URL {
        let file = url.appendingPathComponent(relativePath)
        if !outputs.contains(file) { outputs.append(file) }
        return file
    }

    /// Records every file under the given relative paths (files or directories) as outputs.
    mutating func recordOutputs(under relativePaths: [String]) {
        for path in relativePaths {
            let root = url.appendingPathComponent(path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else { continue }
            guard isDirectory.boolValue else {
                _ = output(path)
                continue
            }
            let files = (FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []).sorted()
            for file in files where !file.hasSuffix("/") {
                var isFolder: ObjCBool = false
                FileManager.default.fileExists(atPath: root.appendingPathComponent(file).path, isDirectory: &isFolder)
                if !isFolder.boolValue { _ = output(path + "/" + file) }
            }
        }
    }

    /// Writes `manifest.json` listing every recorded output.
    func finish() throws {
        try recorder.finish(outputs: outputs.filter { FileManager.default.fileExists(atPath: $0.path) }, in: url)
    }
}

/// Writes `text` to a file atomically.
func writeText(_ text: String, to url: URL) throws {
    try AtomicFile.write(Data(text.utf8), to: url)
}
