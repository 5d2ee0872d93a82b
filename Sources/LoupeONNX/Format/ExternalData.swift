import Foundation
import LoupeSupport

/// The files beside a model that hold its external tensors (`data_location = EXTERNAL`, as
/// PyTorch's exporter writes `<name>.onnx.data`), each opened once and read a tensor at a time.
///
/// A tensor's `external_data` entries say where its bytes are: `location`, a path relative to
/// the model's folder that must stay inside it (not absolute, no `..`, no symbolic link out of
/// it), `offset` (0 when absent) and `length` (the rest of the file when absent). The file must
/// be a regular file, and the bytes must lie within it and be as many as the tensor's shape
/// needs; only those bytes are read.
final class ExternalDataFiles {
    let folder: URL
    /// How errors name the model.
    let source: String
    /// Open files by location.
    private var files: [String: (descriptor: Int32, size: Int)] = [:]

    /// The locations read, sorted.
    var locations: [String] { files.keys.sorted() }

    init(folder: URL, source: String) {
        self.folder = folder
        self.source = source
    }

    deinit {
        for file in files.values { close(file.descriptor) }
    }

    /// The `expected` bytes that `entries` point to; `what` names the tensor in errors.
    func bytes(for entries: [ProtoONNX_StringStringEntryProto], expected: Int, what: String) throws(ONNXError)
        -> [UInt8]
    {
        func fail(_ problem: String) -> ONNXError { ONNXError(source, "\(what): \(problem)") }
        var fields: [String: String] = [:]
        for entry in entries { fields[entry.key] = entry.value }
        guard let location = fields["location"], !location.isEmpty else {
            throw fail("external data without a location")
        }
        let name = "external data file '\(location)'"
        let file = try open(location, fail: { fail("\(name): \($0)") })
        func byteCount(_ key: String) throws(ONNXError) -> Int? {
            guard let text = fields[key] else { return nil }
            guard let value = Int(text), value >= 0 else { throw fail("\(name): \(key) '\(text)' is not a byte count") }
            return value
        }
        let offset = try byteCount("offset") ?? 0
        guard offset <= file.size else {
            throw fail("\(name) holds \(file.size) bytes, the data's offset \(offset) is past its end")
        }
        let length = try byteCount("length") ?? (file.size - offset)
        guard let end = CheckedSize.sum([offset, length]), end <= file.size else {
            throw fail("\(name) holds \(file.size) bytes, offset \(offset) + length \(length) goes past its end")
        }
        guard length == expected else {
            throw fail("\(name) gives \(length) bytes (offset \(offset)), the tensor needs \(expected)")
        }
        var failure: String?
        let bytes = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            while initialized < length {
                let count = pread(
                    file.descriptor, buffer.baseAddress! + initialized, length - initialized,
                    off_t(offset + initialized))
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else {
                    failure =
                        count == 0 ? "the file ended early (it shrank while read)" : String(cString: strerror(errno))
                    break
                }
                initialized += count
            }
            if failure != nil {
                // Bytes not read are zeroed so the discarded array is fully initialized.
                (buffer.baseAddress! + initialized).initialize(repeating: 0, count: length - initialized)
                initialized = length
            }
        }
        if let failure { throw fail("\(name): cannot read: \(failure)") }
        return bytes
    }

    /// The open file at `location`, opened now if it is not yet.
    private func open(_ location: String, fail: (String) -> ONNXError) throws(ONNXError) -> (
        descriptor: Int32, size: Int
    ) {
        if let file = files[location] { return file }
        guard !location.hasPrefix("/") else { throw fail("an absolute path, not one relative to the model's folder") }
        let components = location.split(separator: "/", omittingEmptySubsequences: false)
        guard !components.contains(".."), !location.contains("\0"), !location.contains("\\") else {
            throw fail("the path leaves the model's folder or is not a plain relative path")
        }
        let url = folder.appendingPathComponent(location)
        let root = folder.resolvingSymlinksInPath().standardizedFileURL.path
        let resolved = url.resolvingSymlinksInPath().standardizedFileURL.path
        guard resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
            throw fail("the path leads out of the model's folder (through a symbolic link)")
        }
        let descriptor = Foundation.open(url.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw fail(String(cString: strerror(errno))) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw fail("not a regular file")
        }
        let file = (descriptor, Int(status.st_size))
        files[location] = file
        return file
    }
}
