import Foundation
import LoupeData
import LoupeNN
import LoupeSupport

/// Evaluates a checkpoint on a split: accuracy, loss and confusion matrix. Writes nothing.
public struct EvalWorkflow {
    public struct Configuration: Sendable {
        /// A checkpoint written by `loupe train`.
        public var modelFile: URL
        public var data: DataSource
        public var split: EvaluatedSplit = .test
        public var threads = 1

        public init(modelFile: URL, data: DataSource) { (self.modelFile, self.data) = (modelFile, data) }
    }

    /// The evaluation, with what it describes.
    public struct Result: Sendable {
        public var configuration: Configuration
        public var evaluation: Evaluation

        /// Pretty-printed JSON with sorted keys: model, data, split, examples, accuracy, loss
        /// (`null` when it is not finite: JSON has no NaN), confusion.
        public func json() throws -> String {
            struct Output: Encodable {
                var model: String, data: String, split: String, examples: Int
                var accuracy: Double, loss: Double?, confusion: [[Int]]

                func encode(to encoder: any Encoder) throws {
                    var container = encoder.container(keyedBy: CodingKeys.self)
                    try container.encode(model, forKey: .model)
                    try container.encode(data, forKey: .data)
                    try container.encode(split, forKey: .split)
                    try container.encode(examples, forKey: .examples)
                    try container.encode(accuracy, forKey: .accuracy)
                    try container.encode(loss, forKey: .loss)
                    try container.encode(confusion, forKey: .confusion)
                }
                enum CodingKeys: String, CodingKey { case model, data, split, examples, accuracy, loss, confusion }
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            let output = Output(
                model: configuration.modelFile.relativePath, data: configuration.data.data,
                split: configuration.split.rawValue, examples: evaluation.count, accuracy: evaluation.accuracy,
                loss: evaluation.loss.isFinite ? evaluation.loss : nil, confusion: evaluation.confusion)
            return String(decoding: try encoder.encode(output), as: UTF8.self)
        }

        /// The evaluation as a table for the terminal.
        public var lines: [String] {
            var lines = [
                "\(configuration.data.data) \(configuration.split.rawValue): \(evaluation.count) examples",
                String(format: "accuracy %.4f  loss %.4f", evaluation.accuracy, evaluation.loss),
                "confusion matrix (rows: label, columns: prediction)",
            ]
            let width = max(5, String(evaluation.confusion.flatMap { $0 }.max() ?? 0).count + 1)
            func pad(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
            lines.append(pad("") + evaluation.confusion.indices.map { pad(String($0)) }.joined())
            for (label, row) in evaluation.confusion.enumerated() {
                lines.append(pad(String(label)) + row.map { pad(String($0)) }.joined())
            }
            return lines
        }
    }

    public var configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    public func run(progress: any WorkflowProgress) throws -> Result {
        let modelFile = configuration.modelFile.relativePath
        let data = configuration.data.data
        let model = try ModelFile.load(configuration.modelFile).model
        let splits = try configuration.data.load().splits
        let dataset = configuration.split == .test ? splits.test : splits.train
        let shape = [dataset.shape.channels, dataset.shape.height, dataset.shape.width]
        guard shape == model.architecture.inputShape else {
            throw InputError(
                source: modelFile,
                problem: "model expects images \(model.architecture.inputShape) but \(data) has \(shape)")
        }
        guard dataset.classCount <= model.classCount else {
            throw InputError(
                source: modelFile,
                problem:
                    "model predicts \(model.classCount) classes but \(data) has labels up to \(dataset.classCount - 1)"
            )
        }
        let evaluation = Evaluation(model: model, dataset: dataset, threads: max(1, configuration.threads))
        return Result(configuration: configuration, evaluation: evaluation)
    }
}
