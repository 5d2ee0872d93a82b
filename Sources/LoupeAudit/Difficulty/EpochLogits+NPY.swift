import Foundation
import LoupeData
import LoupeSupport

extension EpochLogits {
    /// Reads per-epoch logits from a NumPy `.npy` file of shape `[epochs, examples, classes]`,
    /// dtype `<f4` or `<f8` (`<f8` is rounded to `Float`). Errors name the file.
    ///
    /// - Throws: `InputError` for an unreadable or malformed file, another rank or
    ///   dtype, zero epochs, fewer than two classes or a non-finite logit.
    public static func readNPY(_ url: URL) throws -> EpochLogits {
        let array = try NPYFile.read(url)
        return try EpochLogits(npy: array, file: url.lastPathComponent)
    }

    /// Wraps an NPY array already in memory; `file` names it in errors. See `readNPY`.
    public init(npy array: NPYArray, file: String) throws {
        let shape = array.shape
        guard shape.count == 3 else {
            throw InputError(
                source: file, problem: "logits have shape \(shape), expected rank 3 [epochs, examples, classes]")
        }
        do {
            try CheckedSize.claimedBytes(shape, bytesPerElement: MemoryLayout<Float>.size, for: file)
        } catch let error as SizeError {
            throw InputError(source: file, problem: error.problem)
        }
        let values: [Float]
        switch array.elements {
        case .float32(let floats): values = floats
        case .float64(let doubles): values = doubles.map { Float($0) }
        default:
            throw InputError(
                source: file, problem: "logits have dtype \(array.elements.descriptor), expected <f4 or <f8")
        }
        try self.init(values, epochCount: shape[0], exampleCount: shape[1], classCount: shape[2], source: file)
    }
}
