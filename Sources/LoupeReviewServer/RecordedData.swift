import Foundation
import LoupeData
import LoupeReview
import LoupeWorkflows

/// The data an output folder was made from, read from its manifest's rerun recipe (the
/// command's own arguments and working directory), so that `loupe review runs/audit` needs no
/// `--data`.
enum RecordedData {
    /// The data options of the command that wrote `folder`; nil when it has no readable manifest.
    static func source(of folder: URL) -> DataSource? {
        guard let command = RecordedCommand.of(folder) else { return nil }
        var data = command.value(of: "--data") ?? "mnist-5k"
        if data.contains("/"), !data.hasPrefix("/"), let directory = command.workingDirectory {
            data = URL(fileURLWithPath: directory).appendingPathComponent(data).standardizedFileURL.path
        }
        var source = DataSource(data: data)
        if let text = command.value(of: "--test-fraction"), let fraction = Double(text) {
            source.testFraction = fraction
        }
        if let text = command.value(of: "--split-seed"), let seed = UInt64(text) { source.splitSeed = seed }
        source.imageFolder.imageSize = command.value(of: "--image-size").flatMap(ImageSize.init(parsing:))
        source.imageFolder.channels = command.value(of: "--channels").flatMap { Int($0) }
        return source
    }
}
