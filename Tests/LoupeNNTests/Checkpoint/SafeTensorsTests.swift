import Foundation
import LoupeTensor
import XCTest

@testable import LoupeNN

final class SafeTensorsTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-st-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    private func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    // MARK: Round trip and layout

    func testRoundTripKeepsValuesShapesStorageAndMetadata() throws {
        var archive = SafeTensorsArchive(metadata: ["format": "pt", "note": "quote \" and\nnewline"])
        archive.setTensor(
            Tensor(shape: [2, 3], scalars: [1, -2.5, 3e-8, .greatestFiniteMagnitude, .nan, -.infinity]),
            named: "fc.weight")
        archive.setTensor(Tensor(0.25), named: "scale")
        archive.setTensor(Tensor(zeros: [0, 4]), named: "empty")
        archive.setTensor(Tensor(shape: [4], scalars: [1, 0, 0, 1]), named: "mask", storedAs: .uint8)
        archive.setTensor(Tensor(shape: [2], scalars: [1, 0]), named: "flags", storedAs: .bool)
        archive.setTensor(
            Tensor(shape: [3], scalars: [0.5, -65504, 6e-8]), named: "half", storedAs: .float16)
        archive.setTensor(Tensor(shape: [2], scalars: [-3, 0x1p40]), named: "ids", storedAs: .int64)
        archive.setTensor(Tensor(shape: [1], scalars: [1.5]), named: "brain", storedAs: .bfloat16)
        let file = url("model.safetensors")
        try archive.write(to: file)

        let loaded = try SafeTensorsArchive(contentsOf: file)
        XCTAssertEqual(loaded.metadata, archive.metadata)
        // Widest dtype first, then by name, as the reference implementation lays files out.
        XCTAssertEqual(
            loaded.names, ["ids", "empty", "fc.weight", "scale", "brain", "half", "mask", "flags"])
        XCTAssertEqual(loaded.storageTypes, archive.storageTypes)
        for name in archive.names {
            let expected = archive[name]!
            let actual = try XCTUnwrap(loaded[name])
            XCTAssertEqual(actual.shape, expected.shape, name)
            // Bitwise, so NaN compares equal to itself; 6e-8 is the float16 subnormal 1 * 2^-24.
            let wanted = name == "half" ? [0.5, -65504, 0x1p-24] : expected.scalars
            XCTAssertEqual(actual.scalars.map(\.bitPattern), wanted.map(\.bitPattern), name)
        }
    }

    func testEqualArchivesWriteIdenticalBytes() throws {
        var first = SafeTensorsArchive(metadata: ["b": "2", "a": "1"])
        first.setTensor(Tensor(shape: [2], scalars: [1, 2]), named: "z")
        first.setTensor(Tensor(shape: [1], scalars: [3]), named: "a", storedAs: .float16)
        var second = SafeTensorsArchive(metadata: ["a": "1", "b": "2"])
        second.setTensor(Tensor(shape: [1], scalars: [3]), named: "a", storedAs: .float16)
        second.setTensor(Tensor(shape: [2], scalars: [1, 2]), named: "z")
        try first.write(to: url("1"))
        try second.write(to: url("2"))
        XCTAssertEqual(try Data(contentsOf: url("1")), try Data(contentsOf: url("2")))
    }

    func testByteExactLayoutOfATinyFile() throws {
        var archive = SafeTensorsArchive(metadata: ["k": "v"])
        archive.setTensor(Tensor(shape: [1], scalars: [1]), named: "b")
        archive.setTensor(Tensor(shape: [2], scalars: [1, 0]), named: "a", storedAs: .uint8)
        try archive.write(to: url("tiny"))

        // 131 bytes of JSON padded with 5 spaces to 136 = 0x88, then "b" (F32 1.0) and "a" (U8):
        // wider dtypes come first.
        let json =
            #"{"__metadata__":{"k":"v"},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"#
            + #""a":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}}     "#
        let expected =
            Data([0x88, 0, 0, 0, 0, 0, 0, 0]) + Data(json.utf8) + Data([0x00, 0x00, 0x80, 0x3f, 1, 0])
        XCTAssertEqual(try Data(contentsOf: url("tiny")), expected)
    }

    func testSetAndRemoveMaintainNames() {
        var archive = SafeTensorsArchive()
        archive.setTensor(Tensor(1), named: "x")
        archive.setTensor(Tensor(2), named: "y")
        archive.setTensor(Tensor(3), named: "x", storedAs: .float16)
        XCTAssertEqual(archive.names, ["x", "y"])
        XCTAssertEqual(archive.storageTypes["x"], .float16)
        XCTAssertEqual(archive.removeTensor(named: "x"), Tensor(3))
        XCTAssertNil(archive.removeTensor(named: "x"))
        XCTAssertEqual(archive.names, ["y"])
        XCTAssertNil(archive.storageTypes["x"])
    }

    /// `I32` and `I64` values beyond 2^24, which `Float` rounds, are written and read exactly
    /// by `setIntegers` and `integers(named:)`; narrower dtypes too.
    func testIntegersRoundTripExactly() throws {
        let wide: [Int64] = [0, (1 << 24) + 1, -(1 << 31), (1 << 31) - 1]
        let huge: [Int64] = [(1 << 53) + 1, -(1 << 62) - 3, .max]
        var archive = SafeTensorsArchive()
        archive.setIntegers(wide, shape: [2, 2], named: "i32", storedAs: .int32)
        archive.setIntegers(huge, shape: [3], named: "i64", storedAs: .int64)
        archive.setIntegers([0, 255, 7], shape: [3], named: "u8", storedAs: .uint8)
        archive.setIntegers([-32768, 32767], shape: [2], named: "i16", storedAs: .int16)
        archive.setTensor(Tensor(shape: [1], scalars: [1.5]), named: "f")
        XCTAssertEqual(archive.integers(named: "i64"), huge)
        let file = url("integers.safetensors")
        try archive.write(to: file)
        let loaded = try SafeTensorsArchive(contentsOf: file)
        XCTAssertEqual(loaded.integers(named: "i32"), wide)
        XCTAssertEqual(loaded["i32"]?.shape, [2, 2])
        XCTAssertEqual(loaded.integers(named: "i64"), huge)
        XCTAssertEqual(loaded.integers(named: "u8"), [0, 255, 7])
        XCTAssertEqual(loaded.integers(named: "i16"), [-32768, 32767])
        XCTAssertNil(loaded.integers(named: "f"))
        var small = SafeTensorsArchive()
        small.setTensor(Tensor(shape: [1], scalars: [5]), named: "i", storedAs: .int32)
        try small.write(to: url("small.safetensors"))
        XCTAssertEqual(try SafeTensorsArchive(contentsOf: url("small.safetensors")), small)
        var other = small
        other.setIntegers([(1 << 24) + 1], shape: [1], named: "i", storedAs: .int32)
        var rounded = small
        rounded.setIntegers([1 << 24], shape: [1], named: "i", storedAs: .int32)
        XCTAssertNotEqual(other, rounded, "equal as Float, not as integers")
        XCTAssertNil(loaded.integers(named: "absent"))
        // The bytes on disk are the little-endian integers themselves.
        let bytes = try Data(contentsOf: file)
        var expected = Data()
        for value in huge { withUnsafeBytes(of: value.littleEndian) { expected.append(contentsOf: $0) } }
        XCTAssertNotNil(bytes.range(of: expected))
        // Replacing an exact tensor with a float one forgets the exact values.
        var replaced = loaded
        replaced.setTensor(Tensor(shape: [1], scalars: [3]), named: "i64", storedAs: .int64)
        XCTAssertEqual(replaced.integers(named: "i64"), [3])
        // A value that does not fit its dtype is refused when writing.
        var narrow = SafeTensorsArchive()
        narrow.setIntegers([1 << 40], shape: [1], named: "n", storedAs: .int32)
        XCTAssertThrowsError(try narrow.write(to: url("narrow.safetensors"))) { error in
            XCTAssertEqual(
                (error as? SafeTensorsError)?.kind,
                .unrepresentableValue(tensor: "n", value: Float(1 << 40), dtype: .int32))
        }
    }

    // MARK: Writing errors

    func testUnrepresentableValueFailsWithoutTouchingTheTarget() throws {
        let file = url("mask.safetensors")
        try Data("previous".utf8).write(to: file)
        for (value, dtype) in [
            (Float(1.5), SafeTensorsDType.uint8), (256, .uint8), (2, .bool), (-129, .int8),
            (.infinity, .int32),
        ] {
            var archive = SafeTensorsArchive()
            archive.setTensor(Tensor(shape: [2], scalars: [0, value]), named: "m", storedAs: dtype)
            XCTAssertThrowsError(try archive.write(to: file)) { error in
                XCTAssertEqual(
                    (error as? SafeTensorsError)?.kind,
                    .unrepresentableValue(tensor: "m", value: value, dtype: dtype))
            }
        }
        XCTAssertEqual(try Data(contentsOf: file), Data("previous".utf8))
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: directory.path), ["mask.safetensors"])
    }

    func testReservedNameIsRejected() {
        var archive = SafeTensorsArchive()
        archive.setTensor(Tensor(1), named: "__metadata__")
        XCTAssertThrowsError(try archive.write(to: url("x"))) { error in
            XCTAssertEqual((error as? SafeTensorsError)?.kind, .reservedName("__metadata__"))
        }
    }

    // MARK: Bad input

    /// A file with `json` as header (length prefix `declaredLength` if given) followed by `dataBytes` zero bytes.
    private func rawFile(_ json: String, dataBytes: Int, declaredLength: UInt64? = nil) throws -> URL {
        var data = Data()
        withUnsafeBytes(of: (declaredLength ?? UInt64(json.utf8.count)).littleEndian) {
            data.append(contentsOf: $0)
        }
        data.append(contentsOf: json.utf8)
        data.append(Data(count: dataBytes))
        let file = url("bad-\(UUID()).safetensors")
        try data.write(to: file)
        return file
    }

    private func assertRejects(
        _ file: URL, _ expected: SafeTensorsError.Kind, file sourceFile: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertThrowsError(try SafeTensorsArchive(contentsOf: file), file: sourceFile, line: line) {
            error in
            guard let error = error as? SafeTensorsError else {
                return XCTFail("unexpected error \(error)", file: sourceFile, line: line)
            }
            XCTAssertEqual(error.kind, expected, file: sourceFile, line: line)
            XCTAssertTrue(
                error.description.hasPrefix(file.path + ": "), error.description, file: sourceFile,
                line: line)
            XCTAssertFalse(
                error.description.contains("\n"), error.description, file: sourceFile, line: line)
        }
    }

    private func entry(
        _ name: String, _ dtype: String = "F32", shape: String = "[1]", offsets: String
    ) -> String {
        #""\#(name)":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":\#(offsets)}"#
    }

    func testRejectsTruncatedAndOversizedHeaders() throws {
        let short = url("short")
        try Data([1, 2, 3, 4, 5]).write(to: short)
        assertRejects(short, .fileTooShort(bytes: 5))
        assertRejects(
            try rawFile("{}", dataBytes: 0, declaredLength: 200_000_000),
            .headerTooLarge(headerBytes: 200_000_000))
        assertRejects(
            try rawFile("{}", dataBytes: 10, declaredLength: 1000),
            .headerExceedsFile(headerBytes: 1000, fileBytes: 20))
        assertRejects(
            try rawFile("{}", dataBytes: 0, declaredLength: .max), .headerTooLarge(headerBytes: .max))
    }

    func testRejectsMalformedJSON() throws {
        for json in [
            "{\"a\": ", "[1, 2]", "{\"a\": 3}", #"{"__metadata__": {"k": 1}}"#,
            #"{"a": {"shape": [1], "data_offsets": [0, 4]}}"#,
        ] {
            XCTAssertThrowsError(
                try SafeTensorsArchive(contentsOf: try rawFile(json, dataBytes: 0)), json
            ) { error in
                guard case .invalidHeader = (error as? SafeTensorsError)?.kind else {
                    return XCTFail("\(error)")
                }
            }
        }
    }

    func testRejectsInvalidEntries() throws {
        assertRejects(
            try rawFile("{\(entry("w", "F8_E4M3", offsets: "[0,1]"))}", dataBytes: 1),
            .unknownDType(tensor: "w", dtype: "F8_E4M3"))
        assertRejects(
            try rawFile("{\(entry("w", shape: "[-1]", offsets: "[0,4]"))}", dataBytes: 4),
            .invalidShape(tensor: "w", reason: "negative dimension -1"))
        assertRejects(
            try rawFile(
                "{\(entry("w", shape: "[1099511627776,1099511627776]", offsets: "[0,4]"))}", dataBytes: 4),
            .invalidShape(tensor: "w", reason: "element count overflows"))
        assertRejects(
            try rawFile("{\(entry("w", shape: "[1.5]", offsets: "[0,4]"))}", dataBytes: 4),
            .invalidShape(tensor: "w", reason: "a dimension is not an integer"))
        assertRejects(
            try rawFile("{\(entry("w", offsets: "[0]"))}", dataBytes: 4),
            .invalidOffsets(tensor: "w", reason: "expected two non-negative integers"))
        assertRejects(
            try rawFile("{\(entry("w", offsets: "[4,0]"))}", dataBytes: 4),
            .invalidOffsets(tensor: "w", reason: "end 0 is before begin 4"))
        assertRejects(
            try rawFile("{\(entry("w", offsets: "[4,8]"))}", dataBytes: 4),
            .offsetsOutOfBuffer(tensor: "w", end: 8, bufferBytes: 4))
        // A header claiming 2^40 elements is refused before anything that size is allocated.
        assertRejects(
            try rawFile("{\(entry("w", shape: "[1099511627776]", offsets: "[0,4]"))}", dataBytes: 4),
            .lengthMismatch(tensor: "w", expectedBytes: 4 << 40, actualBytes: 4))
    }

    func testRejectsOverlapsAndHoles() throws {
        assertRejects(
            try rawFile(
                "{\(entry("a", offsets: "[0,4]")),\(entry("b", offsets: "[2,6]"))}", dataBytes: 6),
            .overlap(tensor: "a", other: "b"))
        assertRejects(
            try rawFile(
                "{\(entry("a", offsets: "[0,4]")),\(entry("b", offsets: "[8,12]"))}", dataBytes: 12),
            .uncoveredBytes(begin: 4, end: 8))
        assertRejects(
            try rawFile("{\(entry("a", offsets: "[0,4]"))}", dataBytes: 8),
            .uncoveredBytes(begin: 4, end: 8))
        assertRejects(
            try rawFile("{\(entry("a", offsets: "[4,8]"))}", dataBytes: 8),
            .uncoveredBytes(begin: 0, end: 4))
    }

    func testMissingFileIsUnreadable() {
        XCTAssertThrowsError(try SafeTensorsArchive(contentsOf: url("absent.safetensors"))) { error in
            guard case .unreadable = (error as? SafeTensorsError)?.kind else {
                return XCTFail("\(error)")
            }
        }
    }

    // MARK: Float16 conversion

    func testHalfConversionRoundsToNearestEven() {
        XCTAssertEqual(ScalarConversion.halfBits(from: 1), 0x3c00)
        XCTAssertEqual(ScalarConversion.halfBits(from: -2), 0xc000)
        XCTAssertEqual(ScalarConversion.halfBits(from: 65504), 0x7bff)
        XCTAssertEqual(ScalarConversion.halfBits(from: 65519), 0x7bff)
        XCTAssertEqual(ScalarConversion.halfBits(from: 65520), 0x7c00)  // tie rounds up to infinity
        XCTAssertEqual(ScalarConversion.halfBits(from: 1 + 0x1p-11), 0x3c00)  // tie to even (down)
        // Tie to even (up).
        XCTAssertEqual(ScalarConversion.halfBits(from: 1 + 0x1p-10 + 0x1p-11), 0x3c02)
        XCTAssertEqual(ScalarConversion.halfBits(from: 0x1p-24), 0x0001)
        XCTAssertEqual(ScalarConversion.halfBits(from: 0x1p-25), 0x0000)  // tie to even zero
        XCTAssertEqual(ScalarConversion.halfBits(from: 0x1.8p-25), 0x0001)
        // The largest subnormal rounds up into the smallest normal.
        XCTAssertEqual(ScalarConversion.halfBits(from: 0x1.ffcp-15), 0x0400)
        XCTAssertEqual(ScalarConversion.halfBits(from: -0.0), 0x8000)
        XCTAssertEqual(ScalarConversion.halfBits(from: .nan) & 0x7e00, 0x7e00)
    }

    func testEveryHalfValueSurvivesARoundTrip() {
        for bits in UInt16.min...UInt16.max where bits & 0x7c00 != 0x7c00 || bits & 0x3ff == 0 {
            XCTAssertEqual(
                ScalarConversion.halfBits(from: ScalarConversion.float(fromHalfBits: bits)), bits)
        }
        XCTAssertEqual(ScalarConversion.float(fromHalfBits: 0x3555), 0.333251953125)
        XCTAssertEqual(ScalarConversion.float(fromBFloat16Bits: 0x3fc0), 1.5)
        XCTAssertEqual(ScalarConversion.bfloat16Bits(from: 1 + 0x1p-8), 0x3f80)  // tie to even
        XCTAssertEqual(ScalarConversion.bfloat16Bits(from: 1 + 0x1p-7 + 0x1p-8), 0x3f82)
    }

    // MARK: Interoperability with Python's safetensors

    /// Runs `script` with python3 and returns its standard output, or skips when
    /// python3 with numpy and safetensors is unavailable.
    private func python(_ script: String, _ arguments: [String]) throws -> Data {
        func run(_ arguments: [String]) throws -> (status: Int32, output: Data, errors: Data) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3"] + arguments
            let output = Pipe()
            let errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            let outputData = output.fileHandleForReading.readDataToEndOfFile()
            let errorData = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, outputData, errorData)
        }
        let probe = try? run(["-c", "import numpy, safetensors.numpy"])
        guard probe?.status == 0 else {
            let message =
                "SKIPPED: python3 cannot import numpy and safetensors; run `pip install safetensors numpy`"
            print(message)
            throw XCTSkip(message)
        }
        let result = try run(["-c", script] + arguments)
        struct PythonFailed: Error, CustomStringConvertible { var description: String }
        guard result.status == 0 else {
            throw PythonFailed(
                description: "python3 failed: \(String(decoding: result.errors, as: UTF8.self))")
        }
        return result.output
    }

    func testFileWrittenByLoupeLoadsInPython() throws {
        let weights: [Float] = [0.1, -2, 3.5e-30, 1e30, 7, -0.0]
        let halves: [Float] = [1 + 0x1p-11, 65519, 65520, 0x1.8p-25, -0.3333, 1e-3]
        var archive = SafeTensorsArchive(metadata: ["format": "np", "source": "loupe"])
        archive.setTensor(Tensor(shape: [2, 3], scalars: weights), named: "layer.weight")
        archive.setTensor(Tensor(shape: [6], scalars: halves), named: "layer.half", storedAs: .float16)
        archive.setTensor(
            Tensor(shape: [3], scalars: [1, 0, 255]), named: "layer.mask", storedAs: .uint8)
        archive.setTensor(Tensor(shape: [2], scalars: [-5, 0x1p40]), named: "steps", storedAs: .int64)
        let file = url("from-loupe.safetensors")
        try archive.write(to: file)

        // Python reports each tensor's raw bits, and converts the original float32 bits of
        // the half tensor to float16 itself, as the independent reference.
        let script = """
            import json, sys, numpy as np
            from safetensors import safe_open
            from safetensors.numpy import load_file
            tensors = load_file(sys.argv[1])
            with safe_open(sys.argv[1], framework="np") as f:
                metadata = f.metadata()
            def bits(a):
                if a.dtype == np.float32: return a.reshape(-1).view(np.uint32).tolist()
                if a.dtype == np.float16: return a.reshape(-1).view(np.uint16).tolist()
                return a.reshape(-1).tolist()
            with np.errstate(over="ignore"):
                reference = np.array(json.loads(sys.argv[2]), dtype=np.uint32).view(np.float32).astype(np.float16)
            print(json.dumps({"metadata": metadata, "reference": reference.view(np.uint16).tolist(),
                "tensors": {k: {"dtype": str(v.dtype), "shape": list(v.shape), "bits": bits(v)} for k, v in tensors.items()}}))
            """
        let output = try python(script, [file.path, "\(halves.map(\.bitPattern))"])
        struct Report: Decodable {
            struct Entry: Decodable, Equatable {
                var dtype: String
                var shape: [Int]
                var bits: [Int64]
            }
            var metadata: [String: String]
            var reference: [Int64]
            var tensors: [String: Entry]
        }
        let report = try JSONDecoder().decode(Report.self, from: output)
        XCTAssertEqual(report.metadata, archive.metadata)
        XCTAssertEqual(report.tensors.count, 4)
        XCTAssertEqual(
            report.tensors["layer.weight"],
            .init(dtype: "float32", shape: [2, 3], bits: weights.map { Int64($0.bitPattern) }))
        XCTAssertEqual(
            report.tensors["layer.half"], .init(dtype: "float16", shape: [6], bits: report.reference))
        XCTAssertEqual(
            report.tensors["layer.mask"], .init(dtype: "uint8", shape: [3], bits: [1, 0, 255]))
        XCTAssertEqual(report.tensors["steps"], .init(dtype: "int64", shape: [2], bits: [-5, 1 << 40]))
    }

    func testFileWrittenByPythonLoadsInLoupe() throws {
        let file = url("from-python.safetensors")
        // Python saves several dtypes and prints, per tensor, the float32 bits numpy converts each to.
        let script = """
            import json, sys, numpy as np
            from safetensors.numpy import save_file
            tensors = {
                "w": np.array([[0.1, -2.0, 3.0], [1e-40, 5.5, -0.0]], dtype=np.float32),
                "h": np.array([0.1, -65504, 6e-8, 1.0], dtype=np.float16),
                "d": np.array([0.1, 1e300, -1e-300], dtype=np.float64),
                "i": np.array([[-(2**40) - 1], [7]], dtype=np.int64),
                "j": np.array([-2**31, 2**31 - 1], dtype=np.int32),
                "s": np.array([-32768, 12], dtype=np.int16),
                "c": np.array([-128, 127], dtype=np.int8),
                "u": np.array([0, 200, 255], dtype=np.uint8),
                "b": np.array([True, False, True]),
                "e": np.zeros((0, 3), dtype=np.float32),
                "z": np.array(2.5, dtype=np.float32),
            }
            save_file(tensors, sys.argv[1], metadata={"framework": "numpy", "epoch": "3"})
            with np.errstate(over="ignore"):
                print(json.dumps({k: {"shape": list(v.shape), "bits": v.astype(np.float32).reshape(-1).view(np.uint32).tolist()}
                    for k, v in tensors.items()}))
            """
        let output = try python(script, [file.path])
        struct Expected: Decodable {
            var shape: [Int]
            var bits: [UInt32]
        }
        let expected = try JSONDecoder().decode([String: Expected].self, from: output)

        let archive = try SafeTensorsArchive(contentsOf: file)
        XCTAssertEqual(archive.metadata, ["framework": "numpy", "epoch": "3"])
        XCTAssertEqual(Set(archive.names), Set(expected.keys))
        XCTAssertEqual(archive.storageTypes["h"], .float16)
        XCTAssertEqual(archive.storageTypes["i"], .int64)
        XCTAssertEqual(archive.storageTypes["b"], .bool)
        for (name, reference) in expected {
            let tensor = try XCTUnwrap(archive[name], name)
            XCTAssertEqual(tensor.shape, reference.shape, name)
            XCTAssertEqual(tensor.scalars.map(\.bitPattern), reference.bits, name)
        }
    }

    func testRewritingAPythonFileReproducesItByteForByte() throws {
        let original = url("python.safetensors")
        // Every value is exact in Float, so loading loses nothing. One metadata key only:
        // Python orders several keys by a randomly seeded hash map, Loupe sorts them.
        let script = """
            import sys, numpy as np
            from safetensors.numpy import save_file
            save_file({
                "w": np.array([[0.1, -2.0], [1e-40, 5.5]], dtype=np.float32),
                "bias": np.array([3.0], dtype=np.float32),
                "h": np.array([0.1, -65504, 6e-8], dtype=np.float16),
                "d": np.array([0.5, -1e30], dtype=np.float32).astype(np.float64),
                "i": np.array([-(2**40), 7], dtype=np.int64),
                "j": np.array([-2**31, 5], dtype=np.int32),
                "s": np.array([-32768, 12], dtype=np.int16),
                "c": np.array([-128, 127], dtype=np.int8),
                "u": np.array([0, 255, 3], dtype=np.uint8),
                "b": np.array([True, False, True]),
                "z": np.array(2.5, dtype=np.float32),
            }, sys.argv[1], metadata={"note": "quote \\" tab \\t bell \\x07 \\x08 \\x0c é"})
            """
        _ = try python(script, [original.path])
        let copy = url("copy.safetensors")
        try SafeTensorsArchive(contentsOf: original).write(to: copy)
        XCTAssertEqual(try Data(contentsOf: copy), try Data(contentsOf: original))
    }
}
