import Foundation
import Hummingbird
import LoupeReport
import LoupeReview
import LoupeSupport

/// The HTTP API over a ``ReviewSession`` (documented in README.md, "Human review"). Every
/// `/api` request must carry the token; every failure is a JSON `{"error": "..."}` with a 4xx
/// status (5xx only for the server's own faults).
struct ReviewRoutes: Sendable {
    let session: ReviewSession
    let token: String
    /// The largest request body read: a verdict with a 10,000-character note fits many times.
    static let maximumBody = 256 * 1024

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/") { request, _ in self.page(request) }
        for (name, asset) in EmbeddedAssets.files where name != "index.html" {
            router.get(RouterPath(stringLiteral: "/" + name)) { _, _ in
                Self.response(.ok, type: asset.contentType, body: Data(asset.content.utf8), cache: true)
            }
        }
        let api = router.group("api").add(middleware: TokenCheck(token: token))
        router.get("/favicon.ico") { _, _ in Response(status: .noContent) }
        api.get("session") { _, _ in await self.guarded { try await self.sessionInfo() } }
        api.get("queues") { _, _ in await self.guarded { try await self.queues() } }
        api.get("items") { request, _ in await self.guarded { try await self.items(request) } }
        api.get("items/:id") { _, context in await self.guarded { try await self.item(context) } }
        api.get("items/:id/image.png") { request, context in
            await self.guarded { try self.image(request, context, training: false) }
        }
        api.get("training/:id/image.png") { request, context in
            await self.guarded { try self.image(request, context, training: true) }
        }
        api.get("items/:id/heatmaps/:index") { request, context in
            await self.guarded { try self.heatmap(request, context) }
        }
        api.post("verdicts") { request, _ in await self.guarded { try await self.record(request) } }
        api.post("verdicts/undo") { request, _ in await self.guarded { try await self.undo(request) } }
        api.get("verdicts") { request, _ in await self.guarded { try await self.verdicts(request) } }
        api.get("agreement") { _, _ in await self.guarded { try await self.agreement() } }
        return router
    }

    // MARK: The page

    /// The page; opened as `/?token=T` with the right token, it sets the cookie and sends the
    /// browser to `/`, so the token leaves the address bar and the history.
    private func page(_ request: Request) -> Response {
        if let given = request.uri.queryParameters.get("token") {
            guard AccessToken.matches(given, token) else {
                return Self.error(RequestError(.unauthorized, "wrong token: open the URL loupe review printed"))
            }
            var response = Response.redirect(to: "/", type: .found)
            response.setCookie(
                Cookie(name: AccessToken.cookieName, value: token, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
        let page = EmbeddedAssets.files["index.html"]!
        return Self.response(.ok, type: page.contentType, body: Data(page.content.utf8), cache: false)
    }

    // MARK: Reading

    private func sessionInfo() async throws -> Response {
        struct Info: Encodable {
            struct DatasetInfo: Encodable {
                var name: String
                var split: String
                var count, channels, height, width: Int
                var classes: [String]
            }
            var toolVersion: String
            var dataset: DatasetInfo
            var folders: [String]
            var database: String
            var reviewers: [String]
            enum CodingKeys: String, CodingKey {
                case dataset, folders, database, reviewers
                case toolVersion = "tool_version"
            }
        }
        let examples = session.examples
        return try Self.json(
            Info(
                toolVersion: session.store.toolVersion,
                dataset: .init(
                    name: session.data.data, split: session.split.rawValue, count: examples.count,
                    channels: examples.shape.channels, height: examples.shape.height, width: examples.shape.width,
                    classes: session.classNames),
                folders: session.sources.folders, database: session.configuration.databaseFile.path,
                reviewers: try await session.store.reviewers()))
    }

    private func allQueues(_ current: CurrentVerdicts) -> [ReviewQueue] {
        let disagreements = Agreement(current).disagreements
        return session.sources.queues + [
            ReviewQueue(
                name: "disagreements", title: "Examples the reviewers disagree on", kind: .disagreements,
                folder: session.configuration.databaseFile.path, scoreNames: [], sortScore: nil, descending: false,
                entries: disagreements.map { ReviewQueue.Entry(id: $0, scores: []) })
        ]
    }

    private func queues() async throws -> Response {
        struct Queues: Encodable { var queues: [QueuePayload] }
        let queues = allQueues(try await session.store.current()).map {
            QueuePayload(
                name: $0.name, title: $0.title, kind: $0.kind.rawValue, folder: $0.folder, total: $0.entries.count,
                scores: $0.scoreNames, sort: $0.sortScore, descending: $0.descending)
        }
        return try Self.json(Queues(queues: queues))
    }

    private func items(_ request: Request) async throws -> Response {
        struct Page: Encodable {
            var total, offset, limit: Int
            var items: [ItemPayload]
        }
        var parameters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { parameters[String(key)] = String(value) }
        let query = try ItemQuery(parameters: parameters)
        let current = try await session.store.current()
        let queues = allQueues(current)
        guard let queue = queues.first(where: { $0.name == query.queue }) else {
            throw RequestError(.notFound, "queue: no queue '\(query.queue.prefix(80))' (GET /api/queues lists them)")
        }
        let examples = session.examples
        let (total, page) = try query.select(
            from: queue, labels: { id in session.position(of: id).map { Int(examples.labels[$0]) } },
            current: current, disagreements: Set(Agreement(current).disagreements))
        let items = page.map { entry in
            var item = payload(for: entry.id, current: current)!
            item.scores = Dictionary(uniqueKeysWithValues: zip(queue.scoreNames, entry.scores.map(\.jsonValue)))
            item.modalLabels = entry.modalLabels
            return item
        }
        return try Self.json(Page(total: total, offset: query.offset, limit: query.limit, items: items))
    }

    /// The list fields of example `id`, without queue scores; nil for an unknown id.
    private func payload(for id: Int, current: CurrentVerdicts) -> ItemPayload? {
        guard let position = session.position(of: id) else { return nil }
        let examples = session.examples
        let label = examples.labels(at: [position])[0]
        return ItemPayload(
            id: id, label: Int(label), labelName: examples.className(of: label), path: examples.paths?[position],
            scores: [:], modalLabels: [:], verdicts: current.byExample[id] ?? [:])
    }

    private func exampleID(_ context: BasicRequestContext, in training: Bool = false) throws -> (id: Int, position: Int)
    {
        let text = context.parameters.get("id") ?? ""
        let dataset = training ? session.neighbours.training : session.examples
        guard let id = Int(text),
            let position = training ? session.neighbours.positions[id] : session.position(of: id)
        else {
            throw RequestError(.notFound, "id: '\(text.prefix(40))' is not an example of the \(dataset.name) split")
        }
        return (id, position)
    }

    private func item(_ context: BasicRequestContext) async throws -> Response {
        let (id, position) = try exampleID(context)
        let current = try await session.store.current()
        var item = payload(for: id, current: current)!
        let queues = allQueues(current)
        let containing = queues.filter { queue in queue.entries.contains { $0.id == id } }
        if let first = containing.first, let entry = first.entries.first(where: { $0.id == id }) {
            item.scores = Dictionary(uniqueKeysWithValues: zip(first.scoreNames, entry.scores.map(\.jsonValue)))
            item.modalLabels = containing.reduce(into: [:]) { labels, queue in
                labels.merge(queue.entries.first { $0.id == id }?.modalLabels ?? [:]) { first, _ in first }
            }
        }
        let picture = session.examples.images(at: [position]).scalars
        let training = session.neighbours.training
        let neighbours = session.neighbours.nearest(
            to: picture, key: id, excluding: session.split == .train ? id : nil)
        return try Self.json(
            ItemDetailPayload(
                item: item, queues: containing.map(\.name), populations: session.sources.populations[id] ?? [],
                difficulty: (session.sources.difficulty[id] ?? [:]).mapValues(\.jsonValue),
                heatmaps: (session.maps.byExample[id] ?? []).enumerated().map {
                    .init(title: $1.title, url: "/api/items/\(id)/heatmaps/\($0).png")
                },
                neighbours: neighbours.map {
                    .init(
                        id: $0.id, label: $0.label, labelName: training.className(of: Int32($0.label)),
                        distance: $0.distance, url: "/api/training/\($0.id)/image.png")
                },
                history: try await session.store.history(exampleID: id)))
    }

    /// `?size=N`: about N pixels wide, by whole-pixel enlargement.
    private func requestedWidth(_ request: Request) throws -> Int? {
        guard let text = request.uri.queryParameters.get("size") else { return nil }
        guard let width = Int(text), (1...4096).contains(width) else {
            throw RequestError(.badRequest, "size: expected an integer in 1...4096, got '\(text.prefix(40))'")
        }
        return width
    }

    private func image(_ request: Request, _ context: BasicRequestContext, training: Bool) throws -> Response {
        let (_, position) = try exampleID(context, in: training)
        let dataset = training ? session.neighbours.training : session.examples
        let picture = ExampleImages.enlarged(
            ExampleImages.picture(of: dataset, at: position), toWidth: try requestedWidth(request))
        return Self.response(.ok, type: "image/png", body: picture.pngData(), cache: true)
    }

    private func heatmap(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        let (id, _) = try exampleID(context)
        let text = context.parameters.get("index") ?? ""
        let maps = session.maps.byExample[id] ?? []
        guard text.hasSuffix(".png"), let index = Int(text.dropLast(4)), maps.indices.contains(index) else {
            throw RequestError(.notFound, "heatmap '\(text.prefix(40))': example \(id) has \(maps.count) heatmaps")
        }
        let picture = ExampleImages.enlarged(
            ExampleImages.heatmap(maps[index].values, shape: session.maps.shape), toWidth: try requestedWidth(request))
        return Self.response(.ok, type: "image/png", body: picture.pngData(), cache: true)
    }

    // MARK: Verdicts

    private func body<Body: Decodable>(_ request: Request, as type: Body.Type) async throws -> Body {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            throw RequestError(.unsupportedMediaType, "send the body as JSON (Content-Type: application/json)")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maximumBody)
        } catch {
            throw RequestError(.contentTooLarge, "the body is larger than \(Self.maximumBody) bytes")
        }
        do {
            return try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView))
        } catch let DecodingError.keyNotFound(key, _) {
            throw RequestError(.badRequest, "\(key.stringValue): missing")
        } catch let DecodingError.typeMismatch(_, context) where !context.codingPath.isEmpty {
            throw RequestError(
                .badRequest, "\(context.codingPath.map(\.stringValue).joined(separator: ".")): wrong type")
        } catch let DecodingError.valueNotFound(_, context) {
            throw RequestError(.badRequest, "\(context.codingPath.map(\.stringValue).joined(separator: ".")): null")
        } catch {
            throw RequestError(.badRequest, "the body is not a JSON object")
        }
    }

    private func record(_ request: Request) async throws -> Response {
        let body = try await body(request, as: VerdictRequest.self)
        guard let verdict = Verdict(rawValue: body.verdict) else {
            throw RequestError(
                .badRequest,
                "verdict: expected one of \(Verdict.allCases.map(\.rawValue).joined(separator: ", ")), got '\(body.verdict.prefix(40))'"
            )
        }
        // The log is append-only: a queue name it records must be one the review serves.
        if let queue = body.queue, !session.sources.queues.contains(where: { $0.name == queue }),
            queue != "disagreements"
        {
            throw RequestError(.badRequest, "queue: no queue '\(queue.prefix(80))' (GET /api/queues lists them)")
        }
        let record = try await session.store.record(
            VerdictSubmission(
                exampleID: body.id, reviewer: body.reviewer, verdict: verdict, suggestedLabel: body.suggestedLabel,
                note: body.note ?? "", queue: body.queue))
        return try Self.json(record, status: .created)
    }

    private func undo(_ request: Request) async throws -> Response {
        let body = try await body(request, as: UndoRequest.self)
        guard let record = try await session.store.undo(exampleID: body.id, reviewer: body.reviewer) else {
            throw RequestError(.notFound, "nothing to undo: \(body.reviewer.prefix(100)) has no verdict on \(body.id)")
        }
        return try Self.json(record)
    }

    private func verdicts(_ request: Request) async throws -> Response {
        let records = try await session.store.log()
        switch request.uri.queryParameters.get("format") ?? "json" {
        case "json":
            struct Log: Encodable { var verdicts: [VerdictRecord] }
            return try Self.json(Log(verdicts: records))
        case "csv":
            return Self.response(.ok, type: "text/csv; charset=utf-8", body: Data(VerdictExport.csv(records).utf8))
        case "jsonl":
            return Self.response(
                .ok, type: "application/x-ndjson; charset=utf-8", body: Data(VerdictExport.jsonLines(records).utf8))
        case let other:
            throw RequestError(.badRequest, "format: expected json, csv or jsonl, got '\(other.prefix(40))'")
        }
    }

    private func agreement() async throws -> Response {
        try Self.json(Agreement(try await session.store.current()))
    }

    // MARK: Responses

    /// Runs a handler, turning every error into a JSON error response.
    /// Runs a handler, turning every error into a JSON error response; the response's
    /// `Server-Timing` header says how long the handler took (waiting for the database included).
    private func guarded(_ handler: () async throws -> Response) async -> Response {
        let started = ContinuousClock.now
        var response = await respond(handler)
        let elapsed = started.duration(to: .now)
        let milliseconds = Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) * 1e-15
        response.headers[.init("Server-Timing")!] = String(format: "app;dur=%.2f", milliseconds)
        return response
    }

    private func respond(_ handler: () async throws -> Response) async -> Response {
        do {
            return try await handler()
        } catch let error as RequestError {
            return Self.error(error)
        } catch let error as ReviewInputError {
            return Self.error(RequestError(.badRequest, error.description))
        } catch let error as any LoupeError {
            return Self.error(RequestError(.internalServerError, error.description))
        } catch {
            return Self.error(RequestError(.internalServerError, "\(error)"))
        }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return response(status, type: "application/json; charset=utf-8", body: try encoder.encode(value))
    }

    static func error(_ error: RequestError) -> Response {
        let body = (try? JSONEncoder().encode(["error": error.message])) ?? Data()
        return response(error.status, type: "application/json; charset=utf-8", body: body)
    }

    static func response(_ status: HTTPResponse.Status, type: String, body: Data, cache: Bool = false) -> Response {
        var headers: HTTPFields = [.contentType: type, .cacheControl: cache ? "private, max-age=3600" : "no-store"]
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Refuses every request without the token (header or cookie) with 401.
struct TokenCheck: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: String

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let bearer = request.headers[.authorization].flatMap { value -> String? in
            value.hasPrefix("Bearer ") ? String(value.dropFirst(7)) : nil
        }
        let given = bearer ?? request.cookies[AccessToken.cookieName]?.value
        guard let given, AccessToken.matches(given, token) else {
            return ReviewRoutes.error(
                RequestError(
                    .unauthorized,
                    "missing or wrong token: open the URL loupe review printed, or send Authorization: Bearer <token>"))
        }
        return try await next(request, context)
    }
}
