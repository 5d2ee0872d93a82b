import XCTest

@testable import LoupeData

final class NPYFileTests: XCTestCase {
    func testRoundTripsEveryDtypeAligned() throws {
        let arrays = [
            NPYArray(shape: [2, 3], elements: .uint8([0, 1, 2, 253, 254, 255])),
            NPYArray(shape: [3], elements: .int32([-1, 0, .max])),
            NPYArray(shape: [2, 1], elements: .int64([.min, 42])),
            NPYArray(shape: [], elements: .float32([1.5])),
            NPYArray(shape: [0, 4], elements: .float64([])),
        ]
        for array in arrays {
            let bytes = NPYFile.encode(array)
            let headerEnd = (Int(bytes[8]) | Int(bytes[9]) << 8) + 10
            XCTAssertEqual(headerEnd % 64, 0, "data of \(array.shape) is not 64-byte aligned")
            XCTAssertEqual(try NPYFile.decode(bytes, file: "a.npy"), array)
        }
    }

    func testWriteIsAtomicAndReadable() throws {
        let directory = try temporaryDirectory(self)
        let url = directory.appendingPathComponent("scores.npy")
        try NPYFile.write([1, 2, 3, 4] as [Float], shape: [2, 2], to: url)
        try NPYFile.write([9, 8] as [Int64], shape: [2], to: url)  // replaces the first file
        XCTAssertEqual(try NPYFile.read(url), NPYArray(shape: [2], elements: .int64([9, 8])))
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: directory.path), ["scores.npy"])
    }

    /// A leading 0 makes the array empty but must not hide an overflowing product of the
    /// other extents (multiplied left to right, 0 * anything never overflowed).
    func testZeroLeadingShapeDoesNotHideAnOverflow() {
        func file(_ header: String) -> [UInt8] {
            [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
        }
        assertInputError(
            try NPYFile.decode(
                file("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4611686018427387904, 8), }"),
                file: "z.npy"),
            file: "z.npy", problem: "NPY shape [0, 4611686018427387904, 8] is negative or overflows")
        assertInputError(
            try NPYFile.decode(
                file("{'descr': '|u1', 'fortran_order': False, 'shape': (0, 1099511627776, 1024), }"),
                file: "b.npy"),
            file: "b.npy", problem: "claims extents of 1024.0 TiB, over the memory budget")
        XCTAssertEqual(
            try NPYFile.decode(file("{'descr': '|u1', 'fortran_order': False, 'shape': (0, 784), }"), file: "e.npy"),
            NPYArray(shape: [0, 784], elements: .uint8([])))
    }

    func testRejectsBadHeaders() {
        func file(_ header: String, data: [UInt8] = []) -> [UInt8] {
            [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8) + data
        }
        assertInputError(
            try NPYFile.decode(
                file("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", data: [0, 0, 0, 0]),
                file: "f.npy"),
            file: "f.npy", problem: "Fortran-order arrays are not supported")
        assertInputError(
            try NPYFile.decode(
                file("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0]),
                file: "b.npy"),
            file: "b.npy", problem: "unsupported dtype '>f4'")
        assertInputError(
            try NPYFile.decode(
                file("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000000000), }"),
                file: "s.npy"),
            file: "s.npy",
            problem:
                "NPY shape [1000000000, 1000000000] claims extents of 3637978.8 TiB, over the memory budget"
        )
        assertInputError(
            try NPYFile.decode(
                file("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }"),
                file: "o.npy"),
            file: "o.npy", problem: "NPY shape [4294967296, 4294967296] is negative or overflows")
        assertInputError(
            try NPYFile.decode(
                file("{'descr': '|u1', 'fortran_order': False, 'shape': (-1,), }"), file: "n.npy"),
            file: "n.npy", problem: "bad dimension '-1'")
        assertInputError(
            try NPYFile.decode(Array("not numpy".utf8), file: "x.npy"), file: "x.npy",
            problem: "bad magic")
        assertInputError(
            try NPYFile.decode([0x93] + Array("NUMPY".utf8) + [1, 0, 200, 0, 0x7b], file: "t.npy"),
            file: "t.npy",
            problem: "NPY header truncated")
    }

    func testInteroperatesWithNumPy() throws {
        let directory = try temporaryDirectory(self)
        try NPYFile.write(
            [0.25, -1, 3] as [Float], shape: [3, 1], to: directory.appendingPathComponent("ours.npy"))
        try runPythonWithNumpy(
            """
            import numpy as np, os
            os.chdir('\(directory.path)')
            a = np.load('ours.npy')
            assert a.dtype == np.float32 and a.shape == (3, 1) and a.ravel().tolist() == [0.25, -1, 3], a
            np.save('theirs.npy', np.arange(6, dtype=np.int64).reshape(2, 3) * 10)
            """)
        XCTAssertEqual(
            try NPYFile.read(directory.appendingPathComponent("theirs.npy")),
            NPYArray(shape: [2, 3], elements: .int64([0, 10, 20, 30, 40, 50])))
    }
}
