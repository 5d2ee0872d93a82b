import Foundation
import LoupeData
import LoupeSupport
import LoupeWorkflows

/// The data an output folder was made from, read from its manifest's rerun recipe (the
/// command's own arguments and working directory), so that `loupe review runs/audit` needs no
/// `--data`.
enum RecordedData {
    /// The data options of the command that wrote `folder`; nil when it has no readable manifest.
    static func source(of folder: URL) -> DataSource? {
        struct Manifest: Decodable {
            struct Rerun: Decodable {
                var arguments: [String]
                var workingDirectory: String?
            }
            var rerun: Rerun?
        }
        let url = folder.appendingPathComponent("manifest.json")
        guard let bytes = try? InputFile.read(url),
            let rerun = (try? JSONDecoder().decode(Manifest.self, from: Data(bytes)))?.rerun
        else { return nil }
        let arguments = rerun.arguments
        func value(_ option: String) -> String? {
            if let index = arguments.firstIndex(of: option), index + 1 < arguments.count { return arguments[index + 1] }
            return arguments.first { $0.hasPrefix(option + "=") }.map { String($0.dropFirst(option.count + 1)) }
        }
        var data = value("--data") ?? "mnist-5k"
        if data.contains("/"), !data.hasPrefix("/"), let directory = rerun.workingDirectory {
            data = URL(fileURLWithPath: directory).appendingPathComponent(data).standardizedFileURL.path
        }
        var source = DataSource(data: data)
        if let text = value("--test-fraction"), let fraction = Double(text) { source.testFraction = fraction }
        if let text = value("--split-seed"), let seed = UInt64(text) { source.splitSeed = seed }
        source.imageFolder.imageSize = value("--image-size").flatMap(ImageSize.init(parsing:))
        source.imageFolder.channels = value("--channels").flatMap { Int($0) }
        return source
    }
}
