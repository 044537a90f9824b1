import Endpoint
import Foundation
import HTTPForm
import Hummingbird
import Logging
import Observability
import PushCore
import Routing
import Store
import WebSocket

/// What an update request carries, whichever way the endpoint read it.
struct UpdateRequest: Sendable {
    let token: Substring
    let query: Substring
    let headers: HTTPFields
    let body: BoundedBody
}

/// `PUT /update/<token>`: an app server announces a new version (and optional data) for a channel.
/// The version is saved first, then routed: an update answered 200 or 202 is already durable.
struct UpdateHandler: Sendable {
    let store: any Store
    let router: RouterChain
    let settings: Live<SimplePushSettings>
    let drain: DrainSwitch
    let logger: Logger
    static let storeErrors = LogThrottle()

    /// Through Hummingbird's router: the requests pipelined behind another of its own.
    func handle(_ request: Request, token: String) async -> Response {
        let body = await request.readBody(limit: settings.current.bodyLimit)
        return await respond(to: UpdateRequest(token: token[...], query: (request.uri.query ?? "")[...],
                                               headers: request.headers, body: body)).response()
    }

    /// The answer, made before returning when the store and every router never wait (the memory
    /// store, this node's connections); otherwise after the store call.
    func respond(to request: UpdateRequest) -> InlineReply {
        // One snapshot per request: a reload in the middle does not mix old and new limits.
        let live = settings.current
        let headers: HTTPFields = live.enableCORS ? [.accessControlAllowOrigin: "*"] : [:]
        guard TransferCoding.isSupported(request.headers) else {
            // Not an outcome of the update: the body cannot be read, so nothing about it is known.
            SimplePushMetrics.updates(status: HTTPResponse.Status.notImplemented.code).increment()
            return .now(.jsonError(.notImplemented, message: "Unsupported Transfer-Encoding; only chunked is accepted",
                                   headers: headers))
        }
        let (uaid, update): (UAID, Update)
        switch drain.isDraining ? .answer(.shuttingDown) : check(request, live: live) {
        case .answer(let outcome): return .now(finish(outcome, headers: headers))
        case .save(let to, let saved): (uaid, update) = (to, saved)
        }
        if let inline = store.nonBlocking, router.deliversInline {
            return .now(finish(saveNow(update, for: uaid, in: inline), headers: headers))
        }
        return .later { [self] in finish(await save(update, for: uaid), headers: headers) }
    }

    private enum Checked {
        case answer(UpdateOutcome)
        case save(UAID, Update)
    }

    /// Everything decided before the store is asked.
    private func check(_ request: UpdateRequest, live: SimplePushSettings) -> Checked {
        let bodyLimit = live.bodyLimit
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > bodyLimit {
            return .answer(.bodyTooLarge(limit: bodyLimit))
        }
        guard let (uaid, channel) = live.tokens.open(String(request.token)) else { return .answer(.tokenNotFound) }

        let fields: [String: String]
        switch readFields(request, limit: bodyLimit) {
        case .decoded(let decoded): fields = decoded
        case .rejected(let outcome): return .answer(outcome)
        }

        guard let version = UpdateRoutes.parseVersion(fields["version"], now: Date()) else { return .answer(.invalidVersion) }
        let data = fields["data"].flatMap { $0.isEmpty ? nil : $0 }
        let maxDataLen = live.maxDataLen
        if let data, data.utf8.count > maxDataLen { return .answer(.dataTooLarge(limit: maxDataLen)) }
        return .save(uaid, Update(channelID: channel, version: version, data: data))
    }

    private func saveNow(_ update: Update, for uaid: UAID, in inline: any NonBlockingStore) -> UpdateOutcome {
        let result: SaveResult
        do {
            result = try inline.saveUpdateNow(uaid, channel: update.channelID, version: update.version, data: update.data)
        } catch {
            return storeFailed(error)
        }
        return Self.outcome(of: result) ?? UpdateOutcome(router.deliverNow(.simplePush(update), to: uaid) ?? .stored)
    }

    private func save(_ update: Update, for uaid: UAID) async -> UpdateOutcome {
        let result: SaveResult
        do {
            result = try await store.saveUpdate(uaid, channel: update.channelID, version: update.version, data: update.data)
        } catch {
            return storeFailed(error)
        }
        if let outcome = Self.outcome(of: result) { return outcome }
        return UpdateOutcome(await router.deliver(.simplePush(update), to: uaid))
    }

    /// The outcome of a save that is not routed; nil for a saved update, which is.
    private static func outcome(of result: SaveResult) -> UpdateOutcome? {
        switch result {
        case .unknownChannel, .unknownDevice: return .channelGone
        case .stale: return .stale
        case .saved: return nil
        }
    }

    private func storeFailed(_ error: any Error) -> UpdateOutcome {
        // An outage fails every PUT: a line every few seconds says so without flooding the log.
        UpdateHandler.storeErrors.log(logger, .warning, "store failed to save an update", kind: "save-update",
                                      metadata: ["error": "\(error)"])
        return .storeUnavailable
    }

    private func finish(_ outcome: UpdateOutcome, headers: HTTPFields) -> PlainResponse {
        SimplePushMetrics.updates(status: outcome.status.code).increment()
        logger.debug(
            "update request",
            metadata: ["status": "\(outcome.status.code)", "outcome": "\(outcome.name)"])
        return outcome.response(headers: headers)
    }

    private enum ReadFields {
        case decoded([String: String])
        case rejected(UpdateOutcome)
    }

    /// Query parameters overlaid with the form body: a key present in both takes the body's value.
    private func readFields(_ request: UpdateRequest, limit bodyLimit: Int) -> ReadFields {
        guard let query = FormURLEncoding.decode(Array(request.query.utf8)) else {
            return .rejected(.malformedRequest("Malformed query string"))
        }
        let body: ByteBuffer
        switch request.body {
        case .read(let read): body = read
        case .tooLarge: return .rejected(.bodyTooLarge(limit: bodyLimit))
        case .unreadable: return .rejected(.malformedRequest("Could not read the request body"))
        }
        guard body.readableBytes > 0, Self.isFormBody(request.headers[.contentType]) else { return .decoded(query) }
        guard let form = FormURLEncoding.decode(body.readableBytesView) else {
            return .rejected(.malformedRequest("Malformed form body"))
        }
        return .decoded(query.merging(form) { _, fromBody in fromBody })
    }

    /// Bodies are read as forms when they say so, or say nothing; other types are ignored, the way
    /// pushgo's form parsing ignored them.
    private static func isFormBody(_ contentType: String?) -> Bool {
        guard let contentType else { return true }
        // On bytes: Foundation's trimming and lowercasing were a visible part of a PUT's cost.
        let mediaType = contentType[..<(contentType.utf8.firstIndex(of: UInt8(ascii: ";")) ?? contentType.endIndex)]
        return HeaderFields.equalsIgnoringASCIICase(mediaType.trimmingHTTPWhitespace(), "application/x-www-form-urlencoded")
    }
}
