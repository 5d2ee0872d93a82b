import Foundation
import LoupeData
import LoupeReviewServer
import LoupeWorkflows
import XCTest

/// An audit folder over the first 40 held-out mnist-5k examples (two variants, a known set of
/// CIEs), a CSV of scores, and a server over them on a free port.
final class ReviewFixture {
    static let token = "test-token-0123456789abcdef"
    let folder: URL
    let test: Dataset
    let train: Dataset
    /// The ids of the audit rows, and which are CIEs of prune-0.90 (every third).
    let ids: [Int]
    var cies: [Int] { ids.enumerated().filter { $0.offset % 3 == 0 }.map(\.element) }
    private(set) var port = 0
    private var task: Task<Void, any Error>?
    private(set) var session: ReviewSession?

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("review-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let splits = try DataSource(data: "mnist-5k").load().splits
        (test, train) = (splits.test, splits.train)
        ids = Array(test.ids.prefix(40))
        var csv =
            "variant,id,true_label,baseline_modal_label,compressed_modal_label,taxicab_score,is_cie,baseline_accuracy,compressed_accuracy\n"
        for variant in ["prune-0.90", "int8-channel"] {
            for (index, id) in ids.enumerated() {
                let label = Int(test.labels(at: [index])[0])
                let cie = variant == "prune-0.90" && index % 3 == 0
                let score = cie ? 2.0 - Double(index) / 100 : 0.1
                csv +=
                    "\(variant),\(id),\(label),\(label),\(cie ? (label + 1) % 10 : label),\(score),\(cie ? 1 : 0),1.0,\(cie ? 0.0 : 1.0)\n"
            }
        }
        try FileManager.default.createDirectory(at: audit, withIntermediateDirectories: true)
        try csv.write(to: audit.appendingPathComponent("cie.csv"), atomically: true, encoding: .utf8)
        var scores = "id,score,other\n"
        for (index, id) in ids.enumerated() { scores += "\(id),\(Double(index % 7)),\(index)\n" }
        try scores.write(to: scoresFile, atomically: true, encoding: .utf8)
    }

    var audit: URL { folder.appendingPathComponent("audit") }
    var scoresFile: URL { folder.appendingPathComponent("scores.csv") }

    /// Starts the server; returns a client carrying the token.
    func start(folders: [URL]? = nil, idleSeconds: Int64 = 30) async throws -> HTTPTestClient {
        var configuration = ReviewConfiguration(
            folders: folders ?? [audit, scoresFile], data: DataSource(data: "mnist-5k"))
        configuration.port = 0
        configuration.idleSeconds = idleSeconds
        configuration.token = Self.token
        let session = try ReviewSession(configuration)
        self.session = session
        let server = try ReviewServer(session: session)
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        task = Task { try await server.run { port in continuation.yield(port) } }
        for await port in stream {
            self.port = port
            break
        }
        return HTTPTestClient(port: port, token: Self.token)
    }

    deinit {
        task?.cancel()
        try? FileManager.default.removeItem(at: folder)
    }

    /// The held-out image of example `id` as bytes, as the loader stored it.
    func bytes(ofTestExample id: Int) -> [UInt8] {
        let position = test.ids.firstIndex(of: id)!
        return test.images(at: [position]).scalars.map { UInt8(($0 * 255).rounded()) }
    }
}
