import Foundation
import LoupeSupport
import XCTest

final class SHA256Tests: XCTestCase {
    /// Vectors from FIPS 180-2 Appendix B / NIST CSRC examples.
    func testFIPSVectors() {
        XCTAssertEqual(
            SHA256.hex(of: Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(
            SHA256.hex(of: Data("abc".utf8)),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            SHA256.hex(of: Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(
            SHA256.hex(of: Data(repeating: UInt8(ascii: "a"), count: 1_000_000)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Feeding the message in uneven pieces must give the same digest as feeding it whole.
    func testIncrementalUpdatesMatchOneShot() {
        let message = Data((0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        var hasher = SHA256()
        var start = 0
        for size in [1, 63, 64, 65, 0, 127, 300] {
            hasher.update(message[start..<start + size])
            start += size
        }
        hasher.update(message[start...])
        var oneShot = SHA256()
        oneShot.update(message)
        XCTAssertEqual(hasher.finalize(), oneShot.finalize())
    }

    func testFileHashMatchesSha256sum() throws {
        let tool = URL(fileURLWithPath: "/usr/bin/sha256sum")
        guard FileManager.default.isExecutableFile(atPath: tool.path) else {
            throw XCTSkip("/usr/bin/sha256sum not available")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "loupe-sha-\(UUID()).bin")
        defer { try? FileManager.default.removeItem(at: file) }
        // A random 4099-byte block repeated to 2.5 MiB and a bit: several read chunks whose
        // boundaries fall mid-block, ending off a 64-byte boundary.
        let block = Data((0..<4099).map { _ in UInt8.random(in: 0...255) })
        var bytes = Data()
        for _ in 0..<640 { bytes.append(block) }
        try bytes.write(to: file)

        let process = Process()
        process.executableURL = tool
        process.arguments = [file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let expected = String(decoding: output, as: UTF8.self).split(separator: " ").first.map(
            String.init)

        XCTAssertEqual(try SHA256.hex(ofFile: file), expected)
    }

    func testMissingFileThrowsErrorNamingTheFile() {
        XCTAssertThrowsError(try SHA256.hex(ofFile: URL(fileURLWithPath: "/nonexistent/weights.bin"))) {
            error in
            XCTAssertTrue("\(error)".hasPrefix("/nonexistent/weights.bin: "), "\(error)")
        }
    }
}
