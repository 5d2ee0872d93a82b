import Foundation
import LoupeNN
import LoupeTensor

extension QuantizedModel {
    /// Writes the compact form a deployment would ship, as safetensors: integer weight codes
    /// (`I8`; int4 codes packed two per byte as `U8`), their `F32` scales (`<name>.scale`),
    /// float biases (`F16` for float16), and activation ranges in the metadata. Returns the
    /// file's size in bytes: the model's size on disk.
    @discardableResult
    public func writeCompact(to url: URL) throws -> Int {
        var archive = SafeTensorsArchive(metadata: ["scheme": scheme.rawValue, "architecture": model.architecture.name])
        for name in model.parameterNames {
            let tensor = model.parameters[name]!
            guard let (values, scales) = codes[name] else {
                archive.setTensor(tensor, named: name, storedAs: scheme == .float16 ? .float16 : .float32)
                continue
            }
            if scheme == .int4PerChannel {
                var packed = [Float](repeating: 0, count: (values.count + 1) / 2)
                for (i, value) in values.enumerated() {
                    let nibble = Float(UInt8(bitPattern: value) & 0x0F)
                    packed[i / 2] += i % 2 == 0 ? nibble : nibble * 16
                }
                archive.setTensor(Tensor(shape: [packed.count], scalars: packed), named: name, storedAs: .uint8)
            } else {
                archive.setTensor(
                    Tensor(shape: tensor.shape, scalars: values.map(Float.init)), named: name, storedAs: .int8)
            }
            archive.setTensor(Tensor(shape: [scales.count], scalars: scales), named: "\(name).scale")
        }
        for (name, range) in activationRanges.sorted(by: { $0.key < $1.key }) {
            archive.metadata["activation.\(name)"] = "\(range.scale),\(range.zeroPoint)"
        }
        try archive.write(to: url)
        return (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
    }
}
