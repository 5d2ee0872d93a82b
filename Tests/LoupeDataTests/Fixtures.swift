import Foundation
import LoupeSupport
import XCTest

@testable import LoupeData

/// A fresh temporary directory, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
        "loupe-data-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// The bytes of an unsigned-byte IDX file with the given dimensions and data.
func idxBytes(dims: [Int], data: [UInt8]) -> [UInt8] {
    func bigEndian(_ value: Int) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
    }
    return [0, 0, 8, UInt8(dims.count)] + dims.flatMap(bigEndian) + data
}

/// gzip-compresses `bytes` with /usr/bin/gzip.
func gzipped(_ bytes: [UInt8]) throws -> [UInt8] {
    try run("/usr/bin/gzip", ["-c", "-n"], input: bytes)
}

/// Runs `tool` with `input` on stdin and returns its stdout; throws when it fails.
@discardableResult
func run(_ tool: String, _ arguments: [String], input: [UInt8] = []) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    let stdin = Pipe()
    let stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    try process.run()
    stdin.fileHandleForWriting.write(Data(input))
    try stdin.fileHandleForWriting.close()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw InputError(source: tool, problem: "exited with status \(process.terminationStatus)")
    }
    return [UInt8](output)
}

/// Runs a Python snippet that has numpy, or skips the test with a visible message.
func runPythonWithNumpy(_ script: String) throws {
    guard (try? run("/usr/bin/env", ["python3", "-c", "import numpy"])) != nil else {
        throw XCTSkip("python3 with numpy is not installed; skipping the NumPy interoperability check")
    }
    try run("/usr/bin/env", ["python3", "-c", script])
}

/// Writes an images/labels IDX pair into `directory` (gzip-compressed when `compressed`).
func writeIDXPair(
    in directory: URL, prefix: String = "", images: [[UInt8]], side: Int, labels: [UInt8],
    compressed: Bool = false
) throws {
    let suffix = compressed ? ".gz" : ""
    var imageFile = idxBytes(dims: [images.count, side, side], data: images.flatMap { $0 })
    var labelFile = idxBytes(dims: [labels.count], data: labels)
    if compressed { (imageFile, labelFile) = (try gzipped(imageFile), try gzipped(labelFile)) }
    try Data(imageFile).write(
        to: directory.appendingPathComponent("\(prefix)images-idx3-ubyte\(suffix)"))
    try Data(labelFile).write(
        to: directory.appendingPathComponent("\(prefix)labels-idx1-ubyte\(suffix)"))
}

/// Asserts that `body` throws an `InputError` whose one-line description starts with `file`
/// and contains `problem`.
func assertInputError<T>(
    _ body: @autoclosure () throws -> T, file: String, problem: String,
    sourceFile: StaticString = #filePath, line: UInt = #line
) {
    do {
        _ = try body()
        XCTFail("expected an error about \(file): \(problem)", file: sourceFile, line: line)
    } catch let error as InputError {
        let text = error.description
        XCTAssertTrue(
            text.hasPrefix(file + ": "), "\(text) does not name \(file)", file: sourceFile, line: line)
        XCTAssertTrue(
            text.contains(problem), "\(text) does not mention '\(problem)'", file: sourceFile, line: line)
        XCTAssertFalse(text.contains("\n"), "\(text) is not one line", file: sourceFile, line: line)
    } catch {
        XCTFail("expected an InputError, got \(error)", file: sourceFile, line: line)
    }
}
