import ArgumentParser

struct Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks of the audit methods on data with a known answer.",
        subcommands: [LabelNoiseBenchmark.self, RoarBenchmark.self, InvarianceBenchmark.self])
}
