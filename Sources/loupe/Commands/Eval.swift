import ArgumentParser
import Foundation
import LoupeWorkflows

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a checkpoint: accuracy, loss and confusion matrix.")

    @Option(help: "A checkpoint written by `loupe train` (.safetensors) or an ONNX model (.onnx).") var modelFile:
        String
    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Which split to evaluate: test or train.") var split: EvaluatedSplit = .test
    @Flag(help: "Print machine-readable JSON instead of a table.") var json = false
    @Option(help: "Threads to evaluate with.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        var configuration = EvalWorkflow.Configuration(
            modelFile: URL(fileURLWithPath: modelFile), data: dataOptions.source)
        configuration.split = split
        configuration.threads = threads
        let result = try EvalWorkflow(configuration).run(progress: TerminalProgress())
        if json {
            print(try result.json())
        } else {
            for line in result.lines { print(line) }
        }
    }
}

extension EvaluatedSplit: ExpressibleByArgument {}
