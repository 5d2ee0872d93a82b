import Foundation
import LoupeWorkflows

/// What `loupe review` opens and how it serves it.
public struct ReviewConfiguration: Sendable {
    /// Output folders (audit, difficulty, label-noise, attribute) and CSV files with an `id` and scores.
    public var folders: [URL]
    /// The data the folders were made from (their images are shown; ids index it); when nil,
    /// the data the first folder's manifest records.
    public var data: DataSource?
    /// The split the ids refer to when no folder says (`--split`); a folder that says wins.
    public var split: EvaluatedSplit?
    /// The verdict database; default `review.sqlite` in the first folder (beside a CSV file).
    public var database: URL?
    /// Where the server listens.
    public var host = "127.0.0.1"
    public var port = 8765
    /// The access token; a random one when `nil`.
    public var token: String?
    /// Seconds a connection may stay silent before the server closes it, so that clients
    /// sending a request head or body slowly, or never, cannot hold connections open.
    public var idleSeconds: Int64 = 30

    public init(folders: [URL], data: DataSource? = nil) { (self.folders, self.data) = (folders, data) }

    /// The database file the configuration names or implies.
    public var databaseFile: URL {
        if let database { return database }
        let first = folders[0]
        var isDirectory: ObjCBool = false
        FileManager.default.fileExists(atPath: first.path, isDirectory: &isDirectory)
        return (isDirectory.boolValue ? first : first.deletingLastPathComponent()).appendingPathComponent(
            "review.sqlite")
    }

    /// Whether `host` is a loopback address, where a random token printed to the terminal is enough.
    public var isLoopback: Bool { Self.isLoopback(host: host) }

    /// Why `token` cannot be used, or nil when it can: 16 to 256 letters, digits, `-` and `_`,
    /// so that it fits a URL and a cookie unchanged.
    public static func tokenProblem(_ token: String) -> String? {
        AccessToken.isAcceptable(token)
            ? nil : "--token: use 16 to 256 letters, digits, '-' or '_' (it goes into a URL and a cookie)"
    }

    /// Whether `host` names this machine only.
    public static func isLoopback(host: String) -> Bool { ["127.0.0.1", "localhost", "::1"].contains(host) }
}
