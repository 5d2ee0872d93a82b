import Foundation
import LoupeSupport
import XCTest

@testable import LoupeReviewServer

/// The review page shows a bidirectional override, isolate or mark in a class name, path or
/// note as the text `\u{202e}`, exactly where Loupe's HTML reports and log lines do: its
/// `shown` function, run by Node.js on every scalar of the Basic Multilingual Plane, agrees
/// with ``EscapedText/isBidirectionalControl(_:)``.
final class ReviewPageTextTests: XCTestCase {
    func testThePageShowsBidirectionalControlsAsTheReportsDo() throws {
        let script = try XCTUnwrap(EmbeddedAssets.files["review.js"]).content
        let begin = try XCTUnwrap(script.range(of: "// shown:begin\n"))
        let end = try XCTUnwrap(script.range(of: "// shown:end"))
        let shown = script[begin.upperBound..<end.lowerBound]
        let scalars = (0x20...0xFFFF).compactMap(Unicode.Scalar.init)
        let samples = scalars.map { "a\($0)b" }
        let expected = scalars.map {
            "a" + (EscapedText.isBidirectionalControl($0) ? EscapedText.codePointEscape($0) : String($0)) + "b"
        }
        XCTAssertEqual(expected.filter { $0.contains("\\u{") }.count, 12)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shown-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("samples.json")
        try JSONEncoder().encode(samples).write(to: input)
        let output = try node(
            shown + "\nconst fs = require('fs');\n"
                + "process.stdout.write(JSON.stringify(JSON.parse(fs.readFileSync(process.argv[1], 'utf8')).map(shown)));",
            arguments: [input.path])
        XCTAssertEqual(try JSONDecoder().decode([String].self, from: output), expected)
    }

    /// The stdout of `node -e script arguments...`; skips the test when no `node` is on the PATH.
    private func node(_ script: String, arguments: [String]) throws -> Data {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard
            let executable = searchPath.split(separator: ":").map({ "\($0)/node" })
                .first(where: FileManager.default.isExecutableFile(atPath:))
        else { throw XCTSkip("node is not on the PATH; skipping the check of the review page's script") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-e", script] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "node failed")
        return data
    }
}
