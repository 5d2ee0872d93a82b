import LoupeSupport

/// A safetensors file that cannot be read or written, and why.
public struct SafeTensorsError: LoupeError, Equatable {
    /// The file's path.
    public var source: String
    /// What is wrong.
    public var kind: Kind

    /// The ways a safetensors file or archive can be wrong.
    public enum Kind: Equatable, Sendable {
        case unreadable(reason: String)
        case unwritable(reason: String)
        case fileTooShort(bytes: Int)
        case headerTooLarge(headerBytes: UInt64)
        case headerExceedsFile(headerBytes: UInt64, fileBytes: Int)
        case invalidHeader(reason: String)
        case unknownDType(tensor: String, dtype: String)
        case invalidShape(tensor: String, reason: String)
        case invalidOffsets(tensor: String, reason: String)
        case offsetsOutOfBuffer(tensor: String, end: Int, bufferBytes: Int)
        case lengthMismatch(tensor: String, expectedBytes: Int, actualBytes: Int)
        case overlap(tensor: String, other: String)
        case uncoveredBytes(begin: Int, end: Int)
        case unrepresentableValue(tensor: String, value: Float, dtype: SafeTensorsDType)
        case reservedName(String)
    }

    public init(source: String, kind: Kind) {
        self.source = source
        self.kind = kind
    }

    public var problem: String { kind.message }
}

extension SafeTensorsError.Kind {
    /// One line describing the problem.
    var message: String {
        switch self {
        case .unreadable(let reason):
            "cannot read: \(reason)"
        case .unwritable(let reason):
            "cannot write: \(reason)"
        case .fileTooShort(let bytes):
            "file is \(bytes) bytes, shorter than the 8-byte header length"
        case .headerTooLarge(let headerBytes):
            "header length \(headerBytes) exceeds the 100 MB limit"
        case .headerExceedsFile(let headerBytes, let fileBytes):
            "header length \(headerBytes) exceeds the file size \(fileBytes)"
        case .invalidHeader(let reason):
            "invalid JSON header: \(reason)"
        case .unknownDType(let tensor, let dtype):
            "tensor '\(tensor)' has unknown dtype '\(dtype)'"
        case .invalidShape(let tensor, let reason):
            "tensor '\(tensor)' has an invalid shape: \(reason)"
        case .invalidOffsets(let tensor, let reason):
            "tensor '\(tensor)' has invalid data_offsets: \(reason)"
        case .offsetsOutOfBuffer(let tensor, let end, let bufferBytes):
            "tensor '\(tensor)' ends at byte \(end), beyond the \(bufferBytes)-byte data buffer"
        case .lengthMismatch(let tensor, let expectedBytes, let actualBytes):
            "tensor '\(tensor)' needs \(expectedBytes) bytes for its shape and dtype but spans \(actualBytes)"
        case .overlap(let tensor, let other):
            "tensors '\(tensor)' and '\(other)' overlap"
        case .uncoveredBytes(let begin, let end):
            "data bytes \(begin)..<\(end) belong to no tensor"
        case .unrepresentableValue(let tensor, let value, let dtype):
            "tensor '\(tensor)' holds \(value), which \(dtype.rawValue) cannot store"
        case .reservedName(let name):
            "'\(name)' is reserved and cannot name a tensor"
        }
    }
}
