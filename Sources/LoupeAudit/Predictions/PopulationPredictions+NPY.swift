import Foundation
import LoupeData
import LoupeSupport

extension PopulationPredictions {
    /// Reads the predictions of an externally trained population from a NumPy `.npy` file:
    /// either integer labels `[models, examples]` (`|u1`, `<i4` or `<i8`) or float logits
    /// `[models, examples, classes]` (`<f4` or `<f8`; `<f8` is rounded to `Float`), whose
    /// argmax gives the labels (ties to the smallest class index).
    ///
    /// - Parameters:
    ///   - exampleIDs: the dataset id of each example column; `nil` means `0..<examples`.
    ///   - classCount: required for labels; for logits it must equal the last dimension
    ///     when given.
    /// - Throws: `InputError` naming the file for an unreadable or malformed file, a
    ///   wrong rank, dtype or shape, a missing class count, labels out of range, non-finite
    ///   logits, or example ids that do not match the array.
    public static func readNPY(
        _ url: URL, name: String, exampleIDs: [Int]? = nil, classCount: Int? = nil
    ) throws -> PopulationPredictions {
        let array = try NPYFile.read(url)
        return try PopulationPredictions(
            npy: array, name: name, file: url.lastPathComponent, exampleIDs: exampleIDs, classCount: classCount)
    }

    /// Creates a population from an NPY array already in memory; `file` names it in errors.
    /// See `readNPY` for the accepted layouts.
    public init(npy array: NPYArray, name: String, file: String, exampleIDs: [Int]? = nil, classCount: Int? = nil)
        throws
    {
        func fail(_ problem: String) -> InputError { InputError(source: file, problem: problem) }
        let shape = array.shape
        let isInteger: Bool
        switch array.elements {
        case .uint8, .int32, .int64: isInteger = true
        case .float32, .float64: isInteger = false
        }
        let expectedRank = isInteger ? 2 : 3
        guard shape.count == expectedRank else {
            throw fail(
                isInteger
                    ? "integer labels have shape \(shape), expected rank 2 [models, examples]"
                    : "float logits have shape \(shape), expected rank 3 [models, examples, classes]")
        }
        do {
            // The extents size the id list and the label array: check them, zeros included.
            try CheckedSize.claimedBytes(shape, bytesPerElement: MemoryLayout<Int>.size, for: file)
        } catch let error as SizeError {
            throw fail(error.problem)
        }
        let ids = exampleIDs ?? Array(0..<shape[1])
        guard ids.count == shape[1] else {
            throw fail("\(ids.count) example ids for \(shape[1]) example columns in shape \(shape)")
        }
        if isInteger {
            guard let classCount else { throw fail("integer labels need a class count") }
            let labels: [Int32]
            switch array.elements {
            case .uint8(let values): labels = values.map { Int32($0) }
            case .int32(let values): labels = values
            case .int64(let values):
                if let bad = values.firstIndex(where: { $0 < 0 || $0 >= Int64(classCount) }) {
                    throw fail(
                        "label \(values[bad]) of model \(bad / ids.count), example id \(ids[bad % ids.count]) is outside 0..<\(classCount)"
                    )
                }
                labels = values.map { Int32($0) }
            default: labels = []
            }
            try self.init(
                name: name, source: file, exampleIDs: ids, modelCount: shape[0], classCount: classCount,
                labels: labels, logits: nil)
        } else {
            if let classCount, classCount != shape[2] {
                throw fail("logits have \(shape[2]) classes, expected \(classCount)")
            }
            let logits: [Float]
            switch array.elements {
            case .float32(let values): logits = values
            case .float64(let values): logits = values.map { Float($0) }
            default: logits = []
            }
            try self.init(
                name: name, source: file, exampleIDs: ids, modelCount: shape[0], classCount: shape[2],
                logits: logits)
        }
    }
}
