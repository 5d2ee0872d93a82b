import Foundation
import LoupeData
import LoupeNN
import LoupeSupport

/// The architecture named by `--model`: a built-in name sized to the data, or a JSON file, an
/// ONNX model or a checkpoint (its architecture, freshly initialised) whose input shape must
/// match the data.
///
/// Either way the architecture is built once here, before any output is written, so that a
/// size that overflows or exceeds the memory budget (`Architecture.build()`) is refused with
/// an error naming the file or option and the layer. A JSON file must also build; a built-in
/// whose layers do not fit the images fails later, when a model is made.
public func resolveArchitecture(_ name: String, hidden: String?, data: Dataset) throws -> Architecture {
    let inputShape = [data.shape.channels, data.shape.height, data.shape.width]
    let widths = try hidden.map(parseHiddenWidths)
    if let builtin = Architecture.builtin(name, inputShape: inputShape, classes: data.classCount, hiddenWidths: widths)
    {
        // Sizes that overflow or exceed the memory budget are refused now, before any output;
        // whether the built-in's layers fit the images is reported when a model is made (a
        // command given its own arrays makes none).
        do { _ = try builtin.build() } catch  where error.isSizeLimit {
            throw ModelError(
                "\(hidden.map { "--hidden \($0)" } ?? "--model \(name)"): \(error.description)", isSizeLimit: true)
        } catch {}
        return builtin
    }
    guard name.hasSuffix(".json") || FileManager.default.fileExists(atPath: name) else {
        throw OptionError(
            "--model: unknown architecture '\(name)' (built-in: \(Architecture.builtinNames.joined(separator: ", ")), or a JSON, .onnx or .safetensors file)"
        )
    }
    // An ONNX model (or a checkpoint) gives its architecture; its weights are not used.
    let architecture =
        ModelFile.extensions.contains(URL(fileURLWithPath: name).pathExtension.lowercased())
        ? try ModelFile.load(URL(fileURLWithPath: name)).model.architecture
        : try Architecture(contentsOf: URL(fileURLWithPath: name))
    guard architecture.inputShape == inputShape else {
        throw ModelError(
            "\(name): architecture expects input \(architecture.inputShape) but \(data.name) images are \(inputShape)")
    }
    let outputs = try architecture.build().outputShape(for: inputShape)
    guard outputs == [data.classCount] || (outputs.count == 1 && outputs[0] > data.classCount) else {
        throw ModelError("\(name): architecture outputs \(outputs) but \(data.name) has \(data.classCount) classes")
    }
    return architecture
}

/// The widths of `--hidden`: positive integers separated by commas, none missing (`64,32`).
///
/// - Throws: ``OptionError`` naming the option, for an empty list, an empty part, or a
///   width that is not a positive integer.
public func parseHiddenWidths(_ text: String) throws -> [Int] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
    return try parts.map { part in
        guard let width = Int(part.trimmingCharacters(in: .whitespaces)), width > 0 else {
            throw OptionError(
                "--hidden: expected positive widths separated by commas, got \(EscapedText.quoted(text))")
        }
        return width
    }
}
