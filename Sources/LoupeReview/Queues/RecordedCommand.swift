import Foundation
import LoupeSupport

/// The command that wrote an output folder, as its `manifest.json` records it for a rerun: the
/// arguments and the working directory they were given in.
package struct RecordedCommand: Decodable, Sendable {
    package var arguments: [String]
    package var workingDirectory: String?

    /// The recorded command of `folder`; nil when it has no readable manifest.
    package static func of(_ folder: URL) -> RecordedCommand? {
        struct Manifest: Decodable { var rerun: RecordedCommand? }
        guard let bytes = try? InputFile.read(folder.appendingPathComponent("manifest.json")) else { return nil }
        return (try? JSONDecoder().decode(Manifest.self, from: Data(bytes)))?.rerun
    }

    /// The value given to `option` (`--data x` or `--data=x`), if any.
    package func value(of option: String) -> String? {
        if let index = arguments.firstIndex(of: option), index + 1 < arguments.count { return arguments[index + 1] }
        return arguments.first { $0.hasPrefix(option + "=") }.map { String($0.dropFirst(option.count + 1)) }
    }
}
