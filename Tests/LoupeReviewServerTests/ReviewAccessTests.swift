import XCTest

@testable import LoupeReviewServer

/// The token guards every API request; the page's URL turns it into a cookie.
final class ReviewAccessTests: XCTestCase {
    func testAPIWithoutTheTokenIsRefused() async throws {
        let fixture = try ReviewFixture()
        var client = try await fixture.start()
        client.token = nil
        for path in ["/api/queues", "/api/items?queue=cie:prune-0.90", "/api/verdicts", "/api/items/0/image.png"] {
            let reply = try client.get(path)
            XCTAssertEqual(reply.status, 401, path)
            XCTAssertTrue(reply.error?.contains("token") == true, path)
        }
        let write = try client.post(
            "/api/verdicts", json: ["id": fixture.ids[0], "verdict": "correct", "reviewer": "eve"])
        XCTAssertEqual(write.status, 401)
        XCTAssertEqual(
            try client.get("/api/queues", headers: ["Authorization": "Bearer wrong-token-0123456789"]).status, 401)
        XCTAssertEqual(try client.get("/api/queues", headers: ["Cookie": "loupe_token=nope"]).status, 401)
        // Nothing was written by the refused request.
        client.token = ReviewFixture.token
        let log = try client.get("/api/verdicts?format=json").json() as! [String: Any]
        XCTAssertEqual((log["verdicts"] as! [Any]).count, 0)
    }

    func testThePageURLSetsTheCookieThatOpensTheAPI() async throws {
        let fixture = try ReviewFixture()
        var client = try await fixture.start()
        client.token = nil
        let wrong = try client.get("/?token=abc")
        XCTAssertEqual(wrong.status, 401)
        XCTAssertNil(wrong.headers["set-cookie"])
        let right = try client.get("/?token=\(ReviewFixture.token)")
        XCTAssertEqual(right.status, 302)
        XCTAssertEqual(right.headers["location"], "/")
        let cookie = try XCTUnwrap(right.headers["set-cookie"])
        XCTAssertTrue(cookie.hasPrefix("loupe_token=\(ReviewFixture.token)"), cookie)
        XCTAssertTrue(cookie.contains("HttpOnly"), cookie)
        XCTAssertTrue(cookie.lowercased().contains("samesite=strict"), cookie)
        let queues = try client.get("/api/queues", headers: ["Cookie": "loupe_token=\(ReviewFixture.token)"])
        XCTAssertEqual(queues.status, 200)
        // The page and its files need no token: they hold no data.
        let page = try client.get("/")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("<html"))
        XCTAssertEqual(try client.get("/review.js").headers["content-type"], "text/javascript; charset=utf-8")
    }

    func testTokenRules() throws {
        XCTAssertTrue(AccessToken.isAcceptable("abcdefghijklmnop"))
        XCTAssertFalse(AccessToken.isAcceptable("short"))
        XCTAssertFalse(AccessToken.isAcceptable("has space in it 12345"))
        XCTAssertFalse(AccessToken.isAcceptable("semi;colon-0123456789"))
    }
}
