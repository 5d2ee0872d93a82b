import LoupeNN

/// A Loupe model made from an ONNX file, and what the import did to get there.
public struct ImportedModel: Sendable {
    public var model: Model
    /// The default-domain opset of the file.
    public var opsetVersion: Int
    /// Who wrote the file (`pytorch 2.13.0`).
    public var producer: String
    /// What the import changed or assumed, one sentence each: a final softmax removed (Loupe
    /// works on logits), a fixed batch size in the file ignored.
    public var notes: [String]
}
