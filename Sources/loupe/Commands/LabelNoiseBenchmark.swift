import ArgumentParser
import Foundation
import LoupeWorkflows

struct LabelNoiseBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label-noise",
        abstract: "Flip a seeded fraction of training labels and measure how well each score finds them.",
        discussion: """
            Runs `loupe difficulty` on the noisy training split and reports, per score, the \
            AUROC and the precision at k (k = number of flipped labels) of ranking by hardness \
            for finding the flipped examples; confident learning's flags as a precision and \
            recall; with --cie, the CIE flag of a `loupe audit --evaluate train` run with the \
            same --label-noise and --noise-seed. Writes label-noise.csv beside the difficulty \
            outputs.
            """)

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var options: DifficultyOptions
    @Option(help: "Fraction of training labels to flip.") var noise: Double = 0.05
    @Option(help: "A `loupe audit --evaluate train` directory with the same noise, for the CIE flag.") var cie: String?
    @Option(help: "Output directory.") var out: String = "runs/label-noise"

    func validate() throws { try validateOutputFolder(out) }

    func run() throws {
        let output = URL(fileURLWithPath: out, isDirectory: true)
        var configuration = LabelNoiseBenchmarkWorkflow.Configuration(
            data: dataOptions.source, settings: try options.settings, output: output)
        configuration.noise = noise
        configuration.cie = cie.map { URL(fileURLWithPath: $0) }
        let result = try LabelNoiseBenchmarkWorkflow(configuration).run(progress: TerminalProgress())
        try result.write(to: output)
        print("wrote label-noise.csv and the difficulty outputs to \(output.standardizedFileURL.path)")
    }
}
