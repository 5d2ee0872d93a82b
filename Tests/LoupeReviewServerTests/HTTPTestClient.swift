import Foundation

/// A minimal HTTP/1.1 client over a socket, so tests can send exactly the bytes they mean
/// (hostile ones included) and see the raw status and headers.
struct HTTPTestClient {
    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: Data

        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> Any { try JSONSerialization.jsonObject(with: body) }
        /// The `error` line of a JSON error body.
        var error: String? { (try? json() as? [String: Any])?["error"] as? String }
    }

    let port: Int
    var token: String?

    func get(_ path: String, headers: [String: String] = [:]) throws -> Reply {
        try send("GET", path, headers: headers, body: nil)
    }

    func post(_ path: String, json: Any, headers: [String: String] = [:]) throws -> Reply {
        try send(
            "POST", path, headers: ["Content-Type": "application/json"].merging(headers) { $1 },
            body: try JSONSerialization.data(withJSONObject: json))
    }

    func send(_ method: String, _ path: String, headers: [String: String] = [:], body: Data?) throws -> Reply {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        var all = headers
        if let token, all["Authorization"] == nil, all["Cookie"] == nil { all["Authorization"] = "Bearer \(token)" }
        if let body { all["Content-Length"] = String(body.count) }
        for (name, value) in all.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        return try raw(Data((head + "\r\n").utf8) + (body ?? Data()))
    }

    /// A socket connected to the server; the caller closes it.
    private func connectedSocket() throws -> Int32 {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ClientError("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socket)
            throw ClientError("connect to port \(port) failed")
        }
        return socket
    }

    /// Sends every byte of `data` on `socket`.
    private func send(_ data: Data, on socket: Int32) throws {
        try data.withUnsafeBytes { bytes in
            var sent = 0
            while sent < bytes.count {
                let n = Foundation.send(socket, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
                guard n > 0 else { throw ClientError("send failed") }
                sent += n
            }
        }
    }

    /// Sends `request` as it is and reads the reply until the server closes the connection.
    func raw(_ request: Data) throws -> Reply {
        let socket = try connectedSocket()
        defer { close(socket) }
        try send(request, on: socket)
        var reply = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(socket, &buffer, buffer.count, 0)
            if n <= 0 { break }
            reply.append(contentsOf: buffer[0..<n])
        }
        return try Self.parse(reply)
    }

    /// Sends `partial` (a request the server waits to complete) and keeps the connection
    /// silent; returns whether the server closed it within `seconds`.
    func isClosedWhenSilent(after partial: Data, within seconds: Int) throws -> Bool {
        let socket = try connectedSocket()
        defer { close(socket) }
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        try send(partial, on: socket)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(socket, &buffer, buffer.count, 0)
            if n == 0 { return true }  // closed by the server (after any reply it sent)
            if n < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }  // still open at the deadline
        }
    }

    static func parse(_ reply: Data) throws -> Reply {
        guard let end = reply.range(of: Data("\r\n\r\n".utf8)) else { throw ClientError("no reply head") }
        let lines = String(decoding: reply[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw ClientError("bad status line \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        var body = Data(reply[end.upperBound...])
        if headers["transfer-encoding"] == "chunked" { body = try dechunk(body) }
        return Reply(status: status, headers: headers, body: body)
    }

    static func dechunk(_ data: Data) throws -> Data {
        var output = Data()
        var rest = data[...]
        while let lineEnd = rest.range(of: Data("\r\n".utf8)) {
            guard let size = Int(String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self), radix: 16) else {
                throw ClientError("bad chunk size")
            }
            if size == 0 { break }
            let start = lineEnd.upperBound
            output.append(rest[start..<start + size])
            rest = rest[(start + size + 2)...]
        }
        return output
    }

    struct ClientError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
