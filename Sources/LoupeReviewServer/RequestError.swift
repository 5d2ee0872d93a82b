import Hummingbird

/// A request the server refuses: an HTTP status and one line saying why, sent as `{"error": ...}`.
struct RequestError: Error, Sendable, Equatable {
    var status: HTTPResponse.Status
    var message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message.replacingOccurrences(of: "\n", with: " ")
    }
}
