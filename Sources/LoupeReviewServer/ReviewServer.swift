import Foundation
import Hummingbird
import Logging
import LoupeSupport
import LoupeWorkflows

/// `loupe review`'s server: the page and its API over one ``ReviewSession``, on one address,
/// in this process (no daemon).
public struct ReviewServer: Sendable {
    public let session: ReviewSession
    /// The token every API request must carry.
    public let token: String

    /// A server for `session`; the configuration's token, or a random one.
    public init(session: ReviewSession) throws {
        self.session = session
        if let token = session.configuration.token {
            if let problem = ReviewConfiguration.tokenProblem(token) { throw OptionError(problem) }
            self.token = token
        } else {
            token = AccessToken.random()
        }
        if !session.configuration.isLoopback && session.configuration.token == nil {
            throw OptionError(
                "--host \(session.configuration.host) reaches beyond this machine: choose a --token as well")
        }
    }

    /// The address to open: the page with the token, which it turns into a cookie.
    public func url(port: Int) -> String {
        let host =
            session.configuration.host.contains(":") ? "[\(session.configuration.host)]" : session.configuration.host
        return "http://\(host):\(port)/?token=\(token)"
    }

    /// Serves until SIGINT or SIGTERM (or until the task is cancelled); `ready` gets the port
    /// once the server listens (the configured one, or the one the system chose for port 0).
    public func run(ready: @escaping @Sendable (Int) async -> Void) async throws {
        var logger = Logger(label: "loupe-review")
        logger.logLevel = .critical
        let configuration = session.configuration
        let application = Application(
            router: ReviewRoutes(session: session, token: token).router(),
            server: .http1(configuration: .init(idleTimeout: .seconds(configuration.idleSeconds))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in await ready(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
        try await application.runService()
    }

    /// ``run(ready:)`` from synchronous code: blocks until the server stops.
    public func runBlocking(ready: @escaping @Sendable (Int) async -> Void) throws {
        try waitFor { try await run(ready: ready) }
    }
}
