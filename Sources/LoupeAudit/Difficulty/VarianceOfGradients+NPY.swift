import Foundation
import LoupeData
import LoupeSupport

extension VarianceOfGradients {
    /// VoG from per-checkpoint gradient files, one NumPy `.npy` file per checkpoint in
    /// training order, each `[examples, H, W]` or `[examples, C, H, W]` of dtype `<f4` or
    /// `<f8`. The files are read one at a time, so memory holds one checkpoint beside the
    /// running statistics.
    ///
    /// - Throws: `InputError` when fewer than two files are given (before reading any),
    ///   or naming the file that is unreadable, malformed, of another dtype or rank, has a
    ///   shape that differs from the first file's, or holds a non-finite gradient.
    public static func readNPY(checkpoints urls: [URL]) throws -> VarianceOfGradients {
        try requireTwoCheckpoints(urls.count)
        var accumulator: VarianceOfGradients?
        for url in urls {
            let (array, file) = try readGradientNPY(url)
            if accumulator == nil {
                accumulator = VarianceOfGradients(
                    exampleCount: array.shape[0], mapSize: max(gradientMapSize(of: array.shape), 1))
            }
            try accumulator?.add(npy: array, file: file)
        }
        return accumulator!
    }

    /// Adds one checkpoint held in an NPY array (`<f4` or `<f8`); `file` names it in errors.
    public mutating func add(npy array: NPYArray, file: String) throws {
        switch array.elements {
        case .float32(let values): try add(values, shape: array.shape, source: file)
        case .float64(let values): try add(values, shape: array.shape, source: file)
        default:
            throw InputError(
                source: file, problem: "gradients have dtype \(array.elements.descriptor), expected <f4 or <f8")
        }
    }
}

extension StagedVarianceOfGradients {
    /// Staged VoG from per-checkpoint gradient files in training order; see
    /// `VarianceOfGradients.readNPY(checkpoints:)` for the format and errors, and
    /// `init(checkpointCount:exampleCount:mapSize:stages:source:)` for the stage errors.
    public static func readNPY(
        checkpoints urls: [URL], stages: [TrainingStage] = TrainingStage.allCases
    ) throws -> StagedVarianceOfGradients {
        try requireTwoCheckpoints(urls.count)
        var accumulator: StagedVarianceOfGradients?
        for url in urls {
            let (array, file) = try readGradientNPY(url)
            if accumulator == nil {
                accumulator = try StagedVarianceOfGradients(
                    checkpointCount: urls.count, exampleCount: array.shape[0],
                    mapSize: max(gradientMapSize(of: array.shape), 1), stages: stages)
            }
            try accumulator?.add(npy: array, file: file)
        }
        return accumulator!
    }

    /// Adds the next checkpoint held in an NPY array (`<f4` or `<f8`); `file` names it in
    /// errors.
    public mutating func add(npy array: NPYArray, file: String) throws {
        switch array.elements {
        case .float32(let values): try add(values, shape: array.shape, source: file)
        case .float64(let values): try add(values, shape: array.shape, source: file)
        default:
            throw InputError(
                source: file, problem: "gradients have dtype \(array.elements.descriptor), expected <f4 or <f8")
        }
    }
}

private func requireTwoCheckpoints(_ count: Int) throws {
    guard count >= 2 else {
        throw InputError(
            source: "VoG",
            problem: "\(count) checkpoint file\(count == 1 ? "" : "s") given, at least 2 are needed for a variance")
    }
}

/// Reads one gradient file and checks its rank, so the first file can size the accumulator.
private func readGradientNPY(_ url: URL) throws -> (NPYArray, String) {
    let file = url.lastPathComponent
    let array = try NPYFile.read(url)
    guard array.shape.count == 3 || array.shape.count == 4 else {
        throw InputError(
            source: file,
            problem: "gradients have shape \(array.shape), expected [examples, H, W] or [examples, C, H, W]")
    }
    do {
        // The extents size the accumulator (a mean and a squared deviation per pixel).
        try CheckedSize.claimedBytes(array.shape, bytesPerElement: 2 * MemoryLayout<Float>.size, for: file)
    } catch let error as SizeError {
        throw InputError(source: file, problem: error.problem)
    }
    return (array, file)
}

/// `H * W` of a rank-3 or rank-4 gradient shape (checked by `readGradientNPY`, so it fits).
private func gradientMapSize(of shape: [Int]) -> Int { CheckedSize.product(shape.suffix(2)) ?? 0 }
