import ArgumentParser
import Foundation
import LoupeWorkflows

struct ImportModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert an ONNX model into a Loupe checkpoint.",
        discussion: """
            Reads MODEL.onnx (and its external data, e.g. PyTorch's MODEL.onnx.data, from beside \
            it), turns its graph into Loupe layers and writes them as a checkpoint. Every command \
            that takes --model-file or --checkpoints also reads .onnx files directly; importing \
            once saves converting each time. Supported: opsets 13 to 20; Conv, Gemm, MatMul + Add, \
            Relu, LeakyRelu, Sigmoid, Tanh, MaxPool, AveragePool, GlobalAveragePool, ReduceMean over \
            H and W, BatchNormalization, residual Add + Relu, Flatten, Reshape to [N, -1], Identity, \
            Dropout, a final Softmax, and the constant shape arithmetic exporters write around them.
            """)

    @Argument(help: "The ONNX model (.onnx).") var model: String
    @Option(help: "The checkpoint to write (.safetensors).") var out: String

    func validate() throws {
        guard model.lowercased().hasSuffix(".onnx") else { throw ValidationError("MODEL must be an .onnx file") }
        guard out.hasSuffix(".safetensors") else { throw ValidationError("--out must name a .safetensors file") }
    }

    func run() throws {
        let result = try ImportWorkflow(
            .init(model: URL(fileURLWithPath: model), output: URL(fileURLWithPath: out))
        ).run(progress: TerminalProgress())
        try result.write()
        for line in result.lines { print(line) }
        print("wrote \(out)")
    }
}
