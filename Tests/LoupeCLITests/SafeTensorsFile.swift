import Foundation

/// A safetensors file as its metadata and raw tensors, to make a checkpoint lie the way a
/// hostile file would: renamed, reshaped, missing or added tensors, edited metadata. Tests
/// only; Loupe's own reader is `LoupeNN.SafeTensorsArchive`.
struct SafeTensorsFile {
    /// One tensor: its dtype, shape and raw little-endian bytes.
    struct Entry {
        var dtype: String
        var shape: [Int]
        var bytes: Data
    }

    var metadata: [String: String]
    var tensors: [String: Entry]

    init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url)
        let length = Int(data.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        let header =
            try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as! [String: Any]
        let body = data.subdata(in: (8 + length)..<data.count)
        metadata = header["__metadata__"] as? [String: String] ?? [:]
        tensors = [:]
        for (name, value) in header where name != "__metadata__" {
            let fields = value as! [String: Any]
            let offsets = fields["data_offsets"] as! [Int]
            tensors[name] = Entry(
                dtype: fields["dtype"] as! String, shape: fields["shape"] as! [Int],
                bytes: body.subdata(in: offsets[0]..<offsets[1]))
        }
    }

    /// Writes the tensors contiguously in name order after a space-padded header.
    func write(to url: URL) throws {
        var header: [String: Any] = metadata.isEmpty ? [:] : ["__metadata__": metadata]
        var body = Data()
        for name in tensors.keys.sorted() {
            let entry = tensors[name]!
            header[name] = [
                "dtype": entry.dtype, "shape": entry.shape,
                "data_offsets": [body.count, body.count + entry.bytes.count],
            ]
            body.append(entry.bytes)
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(body)
        try file.write(to: url)
    }
}
