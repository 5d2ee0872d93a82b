import Foundation
import XCTest

/// Runs the built `loupe` executable and captures what it prints.
class CLITestCase: XCTestCase {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Whether a signal ended the process (`status` is then the signal's number on Linux).
        var terminatedBySignal = false
    }

    var workDirectory: URL!

    override func setUpWithError() throws {
        workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    /// The `loupe` binary next to the test bundle (SwiftPM builds it as a dependency).
    var executable: URL {
        var directory = Bundle(for: CLITestCase.self).bundleURL
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("loupe").path) {
            directory.deleteLastPathComponent()
            if directory.path == "/" { break }
        }
        return directory.appendingPathComponent("loupe")
    }

    func loupe(_ arguments: String...) throws -> Result { try loupe(arguments: arguments) }

    func loupe(arguments: [String], environment: [String: String] = [:]) throws -> Result {
        try run(executable, arguments, environment: environment)
    }

    /// Runs `loupe` through `/bin/sh` under a file-size limit of `blocks` 512-byte blocks
    /// (`ulimit -f`), so that a write past it fails (loupe ignores SIGXFSZ: EFBIG).
    func loupe(fileSizeLimit blocks: Int, arguments: [String]) throws -> Result {
        try run(
            URL(fileURLWithPath: "/bin/sh"),
            ["-c", "ulimit -f \(blocks) && exec \"$0\" \"$@\"", executable.path] + arguments, environment: [:])
    }

    private func run(_ program: URL, _ arguments: [String], environment: [String: String]) throws -> Result {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.currentDirectoryURL = workDirectory
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self),
            terminatedBySignal: process.terminationReason == .uncaughtSignal)
    }

    /// Asserts a clean failure: non-zero exit (not a crash), and one error line mentioning
    /// every fragment.
    func assertFailsCleanly(
        _ result: Result, mentioning fragments: [String], file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertNotEqual(result.status, 0, "expected failure", file: file, line: line)
        XCTAssertLessThan(result.status, 128, "terminated by a signal: \(result.stderr)", file: file, line: line)
        XCTAssertFalse(result.terminatedBySignal, "terminated by a signal: \(result.stderr)", file: file, line: line)
        XCTAssertFalse(result.stderr.contains("Fatal error"), result.stderr, file: file, line: line)
        let errorLines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        XCTAssertEqual(errorLines.count, 1, "expected one error line in: \(result.stderr)", file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(
                errorLines.first?.contains(fragment) ?? false, "'\(fragment)' not in: \(result.stderr)", file: file,
                line: line)
        }
    }

    func write(_ data: Data, to name: String) throws -> URL {
        let url = workDirectory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
        return url
    }

    /// An IDX file: magic, big-endian dimensions, bytes.
    func idx(magic: UInt32, dimensions: [UInt32], bytes: [UInt8]) -> Data {
        var data = Data()
        for value in [magic] + dimensions { withUnsafeBytes(of: value.bigEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: bytes)
        return data
    }

    /// An NPY (version 1) file with the given dtype descriptor, shape and raw payload.
    func npy(_ descr: String, shape: String, payload: Data) -> Data {
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + header.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        withUnsafeBytes(of: UInt16(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(Data(header.utf8))
        data.append(payload)
        return data
    }

    /// The embedded mnist-5k files, from the source tree.
    static let embeddedData = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/LoupeData/Resources/mnist-5k")
}
