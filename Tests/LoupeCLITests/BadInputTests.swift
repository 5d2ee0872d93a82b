import Foundation
import XCTest

/// Bad input never crashes and never leaves partial output: one error line naming the file
/// and the problem, and a non-zero exit.
final class BadInputTests: CLITestCase {
    func testTruncatedGzip() throws {
        let images = try Data(contentsOf: Self.embeddedData.appendingPathComponent("images-idx3-ubyte.gz"))
        _ = try write(images.prefix(images.count / 2), to: "truncated/images-idx3-ubyte.gz")
        _ = try write(
            try Data(contentsOf: Self.embeddedData.appendingPathComponent("labels-idx1-ubyte.gz")),
            to: "truncated/labels-idx1-ubyte.gz")
        let result = try loupe("train", "--data", "truncated", "--model", "mlp", "--epochs", "1", "--out", "out")
        assertFailsCleanly(result, mentioning: ["images-idx3-ubyte.gz"])
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("out").path), "partial output")
    }

    func testWrongMagicAndLyingHeader() throws {
        _ = try write(
            idx(magic: 0x0000_0804, dimensions: [2, 2, 2], bytes: [UInt8](repeating: 0, count: 8)),
            to: "magic/images-idx3-ubyte")
        _ = try write(idx(magic: 0x0000_0801, dimensions: [2], bytes: [0, 1]), to: "magic/labels-idx1-ubyte")
        assertFailsCleanly(
            try loupe("eval", "--data", "magic", "--model-file", "none.safetensors"), mentioning: ["none.safetensors"])
        assertFailsCleanly(
            try loupe("train", "--data", "magic", "--out", "o"), mentioning: ["images-idx3-ubyte", "magic"])

        // A header claiming 4 billion 28x28 images in a 16-byte file.
        _ = try write(
            idx(magic: 0x0000_0803, dimensions: [4_000_000_000, 28, 28], bytes: []), to: "huge/images-idx3-ubyte")
        _ = try write(idx(magic: 0x0000_0801, dimensions: [1], bytes: [0]), to: "huge/labels-idx1-ubyte")
        assertFailsCleanly(try loupe("train", "--data", "huge", "--out", "o"), mentioning: ["images-idx3-ubyte"])
    }

    func testCSVRowWidthAndLabelRange() throws {
        _ = try write(Data("0,1,2,3,4\n1,5,6,7\n".utf8), to: "ragged.csv")
        assertFailsCleanly(try loupe("train", "--data", "ragged.csv", "--out", "o"), mentioning: ["ragged.csv", "2"])
        _ = try write(Data("-1,1,2,3,4\n".utf8), to: "negative.csv")
        assertFailsCleanly(
            try loupe("train", "--data", "negative.csv", "--out", "o"), mentioning: ["negative.csv", "-1"])
    }

    func testNaNInData() throws {
        // NPY v1 float32 array of shape (2, 1, 2, 2) with a NaN, labels int64 (2,).
        var floats = [Float](repeating: 0.5, count: 8)
        floats[3] = .nan
        _ = try write(npy("<f4", shape: "(2, 1, 2, 2)", payload: floats.withUnsafeBytes { Data($0) }), to: "nan/x.npy")
        _ = try write(npy("<i8", shape: "(2,)", payload: [Int64(0), 1].withUnsafeBytes { Data($0) }), to: "nan/y.npy")
        assertFailsCleanly(try loupe("train", "--data", "nan", "--out", "o"), mentioning: ["x.npy", "non-finite"])
    }

    func testLyingSafetensorsHeader() throws {
        var header = Data(#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,400]}}"#.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var file = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(header)
        file.append(Data(count: 16))
        _ = try write(file, to: "lying.safetensors")
        assertFailsCleanly(try loupe("eval", "--model-file", "lying.safetensors"), mentioning: ["lying.safetensors"])
    }

    func testModelThatDoesNotFitTheData() throws {
        // Train a tiny mlp on 2x2 CSV images, then evaluate it on 28x28 mnist-5k.
        _ = try write(Data((0..<20).map { "\($0 % 2),\($0),1,2,3\n" }.joined().utf8), to: "tiny.csv")
        let trained = try loupe(
            "train", "--data", "tiny.csv", "--model", "mlp", "--hidden", "4", "--epochs", "1", "--out", "tiny")
        XCTAssertEqual(trained.status, 0, trained.stderr)
        assertFailsCleanly(
            try loupe("eval", "--model-file", "tiny/model.safetensors"), mentioning: ["model.safetensors", "[1, 2, 2]"])
    }

    func testUnknownArchitectureAndBadOptions() throws {
        assertFailsCleanly(try loupe("train", "--model", "transformer", "--out", "o"), mentioning: ["transformer"])
        assertFailsCleanly(try loupe("train", "--schedule", "step:x", "--out", "o"), mentioning: ["step:x"])
        assertFailsCleanly(
            try loupe("train", "--data", "/nonexistent/data.csv", "--out", "o"), mentioning: ["data.csv"])
    }

    func testHelpIsAvailableForEveryCommand() throws {
        for command in [[], ["train"], ["eval"], ["verify"]] {
            let result = try loupe(arguments: command + ["--help"])
            XCTAssertEqual(result.status, 0)
            XCTAssertTrue(result.stdout.contains("USAGE"), result.stdout)
        }
    }
}
