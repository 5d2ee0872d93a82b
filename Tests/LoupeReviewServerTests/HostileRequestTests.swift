import Foundation
import XCTest

/// Malformed, oversized and wrongly typed requests get a 4xx with a one-line JSON message, and
/// leave nothing in the store.
final class HostileRequestTests: XCTestCase {
    func testBadQueryParametersNameTheParameter() async throws {
        let fixture = try ReviewFixture()
        let client = try await fixture.start()
        for (query, status, word) in [
            ("", 400, "queue"), ("queue=nope", 404, "queue"), ("queue=csv:scores&limit=501", 400, "limit"),
            ("queue=csv:scores&limit=0", 400, "limit"), ("queue=csv:scores&offset=-1", 400, "offset"),
            ("queue=csv:scores&sort=bogus", 400, "sort"), ("queue=csv:scores&order=up", 400, "order"),
            ("queue=csv:scores&state=maybe", 400, "state"), ("queue=csv:scores&class=x", 400, "class"),
        ] {
            let reply = try client.get("/api/items?" + query)
            XCTAssertEqual(reply.status, status, query)
            XCTAssertTrue(reply.error?.hasPrefix(word) == true, "\(query): \(reply.error ?? reply.text)")
            XCTAssertFalse(reply.error?.contains("\n") ?? true)
        }
        // An offset past the end is an empty page, not an error.
        let past = try client.get("/api/items?queue=csv:scores&offset=1000").json() as! [String: Any]
        XCTAssertEqual((past["items"] as! [Any]).count, 0)
        XCTAssertEqual(past["total"] as? Int, 40)
    }

    func testBadVerdictBodiesAreRefusedAndNothingIsStored() async throws {
        let fixture = try ReviewFixture()
        let client = try await fixture.start()
        let id = fixture.ids[0]
        let cases: [(Any, Int, String)] = [
            (["id": id, "verdict": "wrong", "reviewer": "ann"], 400, "verdict"),
            (["id": id, "reviewer": "ann"], 400, "verdict"),
            (["id": "seven", "verdict": "correct", "reviewer": "ann"], 400, "id"),
            (["id": 123_456_789, "verdict": "correct", "reviewer": "ann"], 400, "id"),
            (["id": id, "verdict": "correct", "reviewer": ""], 400, "reviewer"),
            (["id": id, "verdict": "mislabelled", "suggested_label": 10, "reviewer": "ann"], 400, "suggested"),
            (["id": id, "verdict": "correct", "suggested_label": 3, "reviewer": "ann"], 400, "suggested"),
            (
                ["id": id, "verdict": "correct", "reviewer": "ann", "note": String(repeating: "x", count: 10_001)], 400,
                "note"
            ),
            ([1, 2, 3], 400, "JSON object"),
            (["id": id, "verdict": "correct", "reviewer": "ann", "queue": "../../etc"], 400, "no queue '../../etc'"),
        ]
        for (body, status, word) in cases {
            let reply = try client.post("/api/verdicts", json: body)
            XCTAssertEqual(reply.status, status, "\(body): \(reply.text)")
            XCTAssertTrue(reply.error?.contains(word) == true, "\(body): \(reply.error ?? reply.text)")
        }
        let notJSON = try client.send(
            "POST", "/api/verdicts", headers: ["Content-Type": "application/json"], body: Data("{\"id\": ".utf8))
        XCTAssertEqual(notJSON.status, 400)
        let form = try client.send(
            "POST", "/api/verdicts", headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: Data("id=1&verdict=correct".utf8))
        XCTAssertEqual(form.status, 415)
        let huge = try client.send(
            "POST", "/api/verdicts", headers: ["Content-Type": "application/json"],
            body: Data(repeating: UInt8(ascii: " "), count: 1_000_000))
        XCTAssertEqual(huge.status, 413)
        let log = (try client.get("/api/verdicts?format=json").json() as! [String: Any])["verdicts"] as! [Any]
        XCTAssertEqual(log.count, 0)
        for queue in ["csv:scores", "disagreements"] {
            let named = try client.post(
                "/api/verdicts", json: ["id": id, "verdict": "correct", "reviewer": "ann", "queue": queue])
            XCTAssertEqual(named.status, 201, named.text)
        }
        // The server still answers.
        XCTAssertEqual(try client.get("/api/queues").status, 200)
    }

    func testGarbageOnTheSocketDoesNotStopTheServer() async throws {
        let fixture = try ReviewFixture()
        let client = try await fixture.start()
        for garbage in [
            "\u{0}\u{1}\u{2}\r\n\r\n", "GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        ] {
            _ = try? client.raw(Data(garbage.utf8))
        }
        let traversal = try client.get("/api/items/..%2F..%2Fetc%2Fpasswd")
        XCTAssertEqual(traversal.status, 404)
        XCTAssertEqual(try client.get("/api/queues").status, 200)
    }

    /// A request head or body that never completes held its connection open for good: the
    /// server now closes a connection silent for `idleSeconds`, and still answers others.
    func testSilentConnectionsAreClosed() async throws {
        let fixture = try ReviewFixture()
        let client = try await fixture.start(idleSeconds: 1)
        let head = "GET /api/queues HTTP/1.1\r\nHost: x\r\n"
        XCTAssertTrue(try client.isClosedWhenSilent(after: Data(head.utf8), within: 20))
        let body =
            "POST /api/verdicts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(ReviewFixture.token)\r\n"
            + "Content-Type: application/json\r\nContent-Length: 10000000000000\r\n\r\n{"
        XCTAssertTrue(try client.isClosedWhenSilent(after: Data(body.utf8), within: 20))
        XCTAssertEqual(try client.get("/api/queues").status, 200)
    }
}
