import XCTest

@testable import LoupeReviewServer

/// Queues, pages of items, verdicts and undo through the HTTP API, checked against the
/// fixture's own tables.
final class ReviewAPITests: XCTestCase {
    func testQueuesListEachVariantsCIEsTheCSVAndDisagreements() async throws {
        let fixture = try ReviewFixture()
        let client = try await fixture.start()
        let queues = (try client.get("/api/queues").json() as! [String: Any])["queues"] as! [[String: Any]]
        XCTAssertEqual(
            queues.map { $0["name"] as! String }, ["cie:prune-0.90", "cie:int8-channel", "csv:scores", "disagreements"])
        XCTAssertEqual(queues.map { $0["total"] as! Int }, [fixture.cies.count, 0, fixture.ids.count, 0])
        XCTAssertEqual(queues[0]["sort"] as? String, "taxicab_score")
        XCTAssertEqual(queues[2]["scores"] as? [String], ["score", "other"])
    }

    func testItemsArePagedSortedAndFilteredAsANaiveSelectionIs() async throws {
        let fixture = try ReviewFixture()
        let client = try await fixture.start()
        // The CSV queue ranks by `score`, highest first, ties by id.
        let all = fixture.ids.enumerated().map { (id: $1, score: Double($0 % 7), other: $0) }
        let expected = all.sorted { ($0.score, -$0.id) > ($1.score, -$1.id) }.map(\.id)
        var seen: [Int] = []
        for offset in stride(from: 0, to: 40, by: 15) {
            let page = try client.get("/api/items?queue=csv:scores&offset=\(offset)&limit=15").json() as! [String: Any]
            XCTAssertEqual(page["total"] as? Int, 40)
            seen += (page["items"] as! [[String: Any]]).map { $0["id"] as! Int }
        }
        XCTAssertEqual(seen, expected)
        // Sorted by another score, ascending.
        let byOther =
            try client.get("/api/items?queue=csv:scores&sort=other&order=asc&limit=5").json() as! [String: Any]
        XCTAssertEqual((byOther["items"] as! [[String: Any]]).map { $0["id"] as! Int }, Array(fixture.ids.prefix(5)))
        // Filtered by class: the total is the naive count.
        let label = Int(fixture.test.labels(at: [0])[0])
        let naive = fixture.ids.indices.filter { Int(fixture.test.labels(at: [$0])[0]) == label }
        let filtered = try client.get("/api/items?queue=csv:scores&class=\(label)&limit=500").json() as! [String: Any]
        XCTAssertEqual(filtered["total"] as? Int, naive.count)
        let items = filtered["items"] as! [[String: Any]]
        XCTAssertTrue(items.allSatisfy { $0["label"] as? Int == label && $0["label_name"] as? String == String(label) })
        // The CIE queue carries both populations' modal labels.
        let cies = try client.get("/api/items?queue=cie:prune-0.90").json() as! [String: Any]
        let first = (cies["items"] as! [[String: Any]])[0]
        XCTAssertEqual(first["id"] as? Int, fixture.cies[0])
        XCTAssertEqual((first["modal_labels"] as? [String: Int])?.keys.sorted(), ["dense", "prune-0.90"])
        XCTAssertEqual((first["scores"] as? [String: Double])?["taxicab_score"], 2.0)
    }

    func testVerdictsAreAppendedAndUndoneAndFilterTheQueue() async throws {
        let fixture = try ReviewFixture()
        let client = try await fixture.start()
        let (a, b) = (fixture.cies[0], fixture.cies[1])
        let posted = try client.post(
            "/api/verdicts",
            json: [
                "id": a, "verdict": "mislabelled", "suggested_label": 3, "note": "a \"7\", surely,\nnot",
                "reviewer": "ann",
            ])
        XCTAssertEqual(posted.status, 201, posted.text)
        let record = try posted.json() as! [String: Any]
        XCTAssertEqual(record["verdict"] as? String, "mislabelled")
        XCTAssertEqual(record["suggested_label"] as? Int, 3)
        XCTAssertEqual(
            try client.post("/api/verdicts", json: ["id": a, "verdict": "correct", "reviewer": "bob"]).status, 201)
        XCTAssertEqual(
            try client.post("/api/verdicts", json: ["id": b, "verdict": "ambiguous", "reviewer": "ann"]).status, 201)
        // The two reviewers disagree on `a`: the disagreements queue and filter show it.
        let disagreements = try client.get("/api/items?queue=disagreements").json() as! [String: Any]
        XCTAssertEqual((disagreements["items"] as! [[String: Any]]).map { $0["id"] as! Int }, [a])
        let unreviewed = try client.get("/api/items?queue=cie:prune-0.90&state=unreviewed").json() as! [String: Any]
        XCTAssertEqual(unreviewed["total"] as? Int, fixture.cies.count - 2)
        let annAmbiguous =
            try client.get("/api/items?queue=cie:prune-0.90&state=ambiguous&reviewer=ann").json()
            as! [String: Any]
        XCTAssertEqual(((annAmbiguous["items"] as! [[String: Any]]).map { $0["id"] as! Int }), [b])
        // Undo retracts ann's verdict on b, appending a record; a second undo has nothing left.
        let undone = try client.post("/api/verdicts/undo", json: ["id": b, "reviewer": "ann"])
        XCTAssertEqual(undone.status, 200, undone.text)
        XCTAssertEqual(try client.post("/api/verdicts/undo", json: ["id": b, "reviewer": "ann"]).status, 404)
        let detail = try client.get("/api/items/\(b)").json() as! [String: Any]
        XCTAssertEqual((detail["verdicts"] as? [String: Any])?.count, 0)
        XCTAssertEqual((detail["history"] as? [[String: Any]])?.count, 2)
        // The log keeps all four records, in order; the CSV export quotes the note.
        let log = (try client.get("/api/verdicts?format=json").json() as! [String: Any])["verdicts"] as! [[String: Any]]
        XCTAssertEqual(log.map { $0["reviewer"] as! String }, ["ann", "bob", "ann", "ann"])
        let csv = try client.get("/api/verdicts?format=csv")
        XCTAssertEqual(csv.headers["content-type"], "text/csv; charset=utf-8")
        XCTAssertTrue(csv.text.contains("\"a \"\"7\"\", surely,\nnot\""), csv.text)
        let lines = try client.get("/api/verdicts?format=jsonl").text.split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        let agreement = try client.get("/api/agreement").json() as! [String: Any]
        XCTAssertNotNil(agreement["pairs"])
    }

    func testDetailShowsPopulationsAndTheNearestTrainingExamples() async throws {
        let fixture = try ReviewFixture()
        let client = try await fixture.start()
        let id = fixture.cies[2]
        let detail = try client.get("/api/items/\(id)").json() as! [String: Any]
        let populations = detail["populations"] as! [[String: Any]]
        XCTAssertEqual(populations.map { $0["variant"] as! String }, ["prune-0.90", "int8-channel"])
        XCTAssertEqual(populations[0]["is_cie"] as? Bool, true)
        XCTAssertEqual(detail["queues"] as? [String], ["cie:prune-0.90", "csv:scores"])
        // Nearest neighbours against a brute-force search over the training split.
        let query = fixture.test.images(at: [fixture.test.ids.firstIndex(of: id)!]).scalars
        let train = fixture.train.images(at: Array(0..<fixture.train.count)).scalars
        let size = query.count
        let distances = (0..<fixture.train.count).map { row in
            (0..<size).reduce(Double(0)) { sum, i in
                let d = Double(train[row * size + i]) - Double(query[i])
                return sum + d * d
            }.squareRoot()
        }
        let expected = distances.indices.sorted { (distances[$0], $0) < (distances[$1], $1) }.prefix(5)
        let neighbours = detail["neighbours"] as! [[String: Any]]
        XCTAssertEqual(neighbours.map { $0["id"] as! Int }, expected.map { fixture.train.ids[$0] })
        for (neighbour, row) in zip(neighbours, expected) {
            XCTAssertEqual(neighbour["distance"] as! Double, distances[row], accuracy: 1e-3)
            XCTAssertEqual(neighbour["url"] as? String, "/api/training/\(fixture.train.ids[row])/image.png")
        }
    }
}
