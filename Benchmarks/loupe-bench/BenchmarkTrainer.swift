import LoupeData
import LoupeNN

extension Trainer {
    /// A one-epoch trainer of the built-in model `name` for the images and classes of `data`,
    /// with the settings of Benchmarks/pytorch_reference.py (SGD, learning rate 0.05, momentum 0.9).
    static func benchmark(_ name: String, for data: Dataset, batchSize: Int, threads: Int, seed: UInt64 = 0) throws
        -> Trainer
    {
        var configuration = TrainingConfiguration()
        configuration.batchSize = batchSize
        configuration.epochs = 1
        configuration.learningRate = 0.05
        configuration.threads = threads
        configuration.seed = seed
        let shape = [data.shape.channels, data.shape.height, data.shape.width]
        let architecture = Architecture.builtin(name, inputShape: shape, classes: data.classCount)!
        return try Trainer(model: try Model(architecture: architecture, seed: seed), configuration: configuration)
    }
}
