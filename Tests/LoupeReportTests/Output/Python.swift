import Foundation
import XCTest

/// Runs Python 3 for interoperability checks.
enum Python {
    /// The stdout of `python3 -c script arguments...`; skips the test when no `python3` is
    /// on the PATH and fails it when the script exits non-zero.
    static func run(_ script: String, arguments: [String] = []) throws -> Data {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard
            let executable = searchPath.split(separator: ":").map({ "\($0)/python3" })
                .first(where: FileManager.default.isExecutableFile(atPath:))
        else { throw XCTSkip("python3 is not on the PATH; skipping the check that Python reads this output") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-c", script] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PythonFailure(status: process.terminationStatus, stderr: errorText)
        }
        return data
    }

    /// `run(script, arguments:)` with its stdout decoded from JSON.
    static func json<Value: Decodable>(_ type: Value.Type, _ script: String, arguments: [String] = []) throws
        -> Value
    {
        try JSONDecoder().decode(type, from: try run(script, arguments: arguments))
    }

    struct PythonFailure: Error, CustomStringConvertible {
        var status: Int32
        var stderr: String
        var description: String { "python3 exited with status \(status): \(stderr)" }
    }
}

/// A fresh temporary directory, removed when the test ends.
func temporaryDirectory(for test: XCTestCase) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-output-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
    return directory
}
