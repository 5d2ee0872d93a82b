import LoupeNN

extension Trainer {
    /// A one-epoch trainer of the built-in model `name` for 1 x 28 x 28 images, with the
    /// settings of Benchmarks/pytorch_reference.py (SGD, learning rate 0.05, momentum 0.9).
    static func benchmark(_ name: String, batchSize: Int, threads: Int, seed: UInt64 = 0) throws -> Trainer {
        var configuration = TrainingConfiguration()
        configuration.batchSize = batchSize
        configuration.epochs = 1
        configuration.learningRate = 0.05
        configuration.threads = threads
        configuration.seed = seed
        let architecture = Architecture.builtin(name, inputShape: [1, 28, 28], classes: 10)!
        return try Trainer(model: try Model(architecture: architecture, seed: seed), configuration: configuration)
    }
}
