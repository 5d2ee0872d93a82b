import ArgumentParser
import Foundation
import LoupeReviewServer
import LoupeWorkflows

struct Review: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Review the surfaced examples in a browser: record experts' verdicts in SQLite.",
        discussion: """
            Starts a web app on this machine (no other process, nothing fetched from the network) \
            over the queues of the given folders: each compressed variant's CIEs by Taxicab score, \
            the hardest examples by each difficulty score, confident learning's label issues, and \
            any CSV with an id and score columns. Prints one URL with an access token; open it. \
            Verdicts are appended to DIR/review.sqlite (--db), never overwritten. \
            With --export, writes the verdicts and a label-override file and exits.
            """)

    @Argument(
        help: ArgumentHelp(
            "Output folders of audit, difficulty, benchmark label-noise or attribute (heatmaps), or CSV files with an id column and score columns.",
            valueName: "dir"))
    var folders: [String]
    @OptionGroup var dataOptions: DataOptions
    @Option(help: "The split the ids refer to when no folder says: test or train (default test).")
    var split: EvaluatedSplit?
    @Option(help: "The verdict database (SQLite, WAL); default review.sqlite in the first folder.") var db: String?
    @Option(help: "Address to listen on. Anything but loopback needs --token.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port).") var port = 8765
    @Option(help: "Access token (16-256 letters, digits, '-', '_'); default: a random one, printed in the URL.")
    var token: String?
    @Option(
        help: ArgumentHelp(
            "Write the verdicts to this CSV file, with verdicts.jsonl, label-overrides.csv, agreement.json and manifest.json beside it, and exit.",
            valueName: "file.csv"))
    var export: String?

    func validate() throws {
        guard !folders.isEmpty else { throw ValidationError("name at least one folder or CSV file to review") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
        if let export, !export.lowercased().hasSuffix(".csv") {
            throw ValidationError(
                "--export: name a .csv file (the other exports are written beside it), got '\(export)'")
        }
        if let token, let problem = ReviewConfiguration.tokenProblem(token) { throw ValidationError(problem) }
        if token == nil && export == nil && !ReviewConfiguration.isLoopback(host: host) {
            throw ValidationError("--host \(host) reaches beyond this machine: choose a --token as well")
        }
    }

    func run() throws {
        var configuration = ReviewConfiguration(folders: folders.map { URL(fileURLWithPath: $0) })
        // Without --data, the data the first folder's manifest records.
        if CommandLine.arguments.contains(where: { $0 == "--data" || $0.hasPrefix("--data=") }) {
            configuration.data = dataOptions.source
        }
        configuration.split = split
        configuration.database = db.map { URL(fileURLWithPath: $0) }
        (configuration.host, configuration.port, configuration.token) = (host, port, token)
        let session = try ReviewSession(configuration)
        if let export {
            let written = try session.exportBlocking(to: URL(fileURLWithPath: export))
            print("wrote \(written.joined(separator: ", ")) and manifest.json")
            return
        }
        let server = try ReviewServer(session: session)
        let database = configuration.databaseFile.path
        try server.runBlocking { port in
            print("loupe review: \(session.sources.queues.count) queues, verdicts in \(database)")
            print("open \(server.url(port: port))")
        }
    }
}
