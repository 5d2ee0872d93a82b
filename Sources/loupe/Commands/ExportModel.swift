import ArgumentParser
import Foundation
import LoupeCompress
import LoupeWorkflows

struct ExportModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a Loupe model as an ONNX file.",
        discussion: """
            MODEL is a checkpoint (dense, or pruned with its zeros in place) or an ONNX file. \
            --quantize applies a post-training scheme on the way: float16 (half weights behind a \
            Cast), int8-tensor or int8-channel (int8 weight codes behind DequantizeLinear), or \
            int8-full (also each layer's input rounded by a QuantizeLinear/DequantizeLinear pair \
            calibrated on the first 100 training images of --data). The graph uses opset 17.
            """)

    @Argument(help: "The model: a checkpoint (.safetensors) or an ONNX file.") var model: String
    @Option(help: "The output format; onnx is the one there is.") var format: String = "onnx"
    @Option(help: "The .onnx file to write.") var out: String
    @Option(help: "Quantize first: float16, int8-tensor, int8-channel or int8-full.")
    var quantize: QuantizationScheme?
    @OptionGroup var dataOptions: DataOptions

    func validate() throws {
        guard format == "onnx" else { throw ValidationError("--format: unknown format '\(format)' (known: onnx)") }
        guard out.lowercased().hasSuffix(".onnx") else { throw ValidationError("--out must name an .onnx file") }
        if quantize == .int4PerChannel {
            throw ValidationError("--quantize int4-channel has no ONNX form Loupe writes (ONNX int4 needs opset 21)")
        }
    }

    func run() throws {
        let result = try ExportWorkflow(
            .init(
                modelFile: URL(fileURLWithPath: model), output: URL(fileURLWithPath: out), quantization: quantize,
                data: dataOptions.source)
        ).run(progress: TerminalProgress())
        try result.write()
        for line in result.lines { print(line) }
    }
}

extension QuantizationScheme: ExpressibleByArgument {}
