import ArgumentParser
import Foundation
import LoupeData
import LoupeNN
import LoupeSupport

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a checkpoint: accuracy, loss and confusion matrix.")

    @Option(help: "A checkpoint written by `loupe train` (.safetensors).") var modelFile: String
    @OptionGroup var dataOptions: DataOptions
    @Option(help: "Which split to evaluate: test or train.") var split: Split = .test
    @Flag(help: "Print machine-readable JSON instead of a table.") var json = false
    @Option(help: "Threads to evaluate with.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    enum Split: String, ExpressibleByArgument, CaseIterable { case test, train }

    func run() throws {
        let checkpoint = try ModelCheckpoint(contentsOf: URL(fileURLWithPath: modelFile))
        let model = checkpoint.model
        let splits = try dataOptions.load().splits
        let dataset = split == .test ? splits.test : splits.train
        let shape = [dataset.shape.channels, dataset.shape.height, dataset.shape.width]
        guard shape == model.architecture.inputShape else {
            throw FileError(
                path: modelFile,
                problem: "model expects images \(model.architecture.inputShape) but \(dataOptions.data) has \(shape)")
        }
        guard dataset.classCount <= model.classCount else {
            throw FileError(
                path: modelFile,
                problem:
                    "model predicts \(model.classCount) classes but \(dataOptions.data) has labels up to \(dataset.classCount - 1)"
            )
        }
        let evaluation = Evaluation(model: model, dataset: dataset, threads: max(1, threads))
        if json {
            struct Output: Encodable {
                var model: String, data: String, split: String, examples: Int
                var accuracy: Double, loss: Double, confusion: [[Int]]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            let output = Output(
                model: modelFile, data: dataOptions.data, split: split.rawValue, examples: evaluation.count,
                accuracy: evaluation.accuracy, loss: evaluation.loss, confusion: evaluation.confusion)
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
            return
        }
        print("\(dataOptions.data) \(split.rawValue): \(evaluation.count) examples")
        print(String(format: "accuracy %.4f  loss %.4f", evaluation.accuracy, evaluation.loss))
        print("confusion matrix (rows: label, columns: prediction)")
        let width = max(5, String(evaluation.confusion.flatMap { $0 }.max() ?? 0).count + 1)
        func pad(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        print(pad("") + evaluation.confusion.indices.map { pad(String($0)) }.joined())
        for (label, row) in evaluation.confusion.enumerated() {
            print(pad(String(label)) + row.map { pad(String($0)) }.joined())
        }
    }
}
