import Endpoint
import Foundation
import HTTPForm
import Hummingbird
import Logging
import Observability
import PushCore
import Routing
import Store

/// `PUT /update/<token>`: an app server announces a new version (and optional data) for a channel.
/// The version is saved first, then routed: an update answered 200 or 202 is already durable.
struct UpdateHandler: Sendable {
    let store: any Store
    let router: RouterChain
    let settings: Live<SimplePushSettings>
    let drain: DrainSwitch
    let logger: Logger
    static let storeErrors = LogThrottle()

    func handle(_ request: Request, token: String) async -> Response {
        // One snapshot per request: a reload in the middle does not mix old and new limits.
        let live = settings.current
        let headers: HTTPFields = live.enableCORS ? [.accessControlAllowOrigin: "*"] : [:]
        guard TransferCoding.isSupported(request.headers) else {
            // Not an outcome of the update: the body cannot be read, so nothing about it is known.
            SimplePushMetrics.updates(status: HTTPResponse.Status.notImplemented.code).increment()
            return .jsonError(.notImplemented, message: "Unsupported Transfer-Encoding; only chunked is accepted",
                              headers: headers)
        }
        let outcome = drain.isDraining ? .shuttingDown : await process(request, token: token, live: live)
        SimplePushMetrics.updates(status: outcome.status.code).increment()
        logger.debug(
            "update request",
            metadata: ["status": "\(outcome.status.code)", "outcome": "\(outcome.name)"])
        return outcome.response(headers: headers)
    }

    private func process(_ request: Request, token: String, live: SimplePushSettings) async -> UpdateOutcome {
        let bodyLimit = live.bodyLimit
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > bodyLimit {
            return .bodyTooLarge(limit: bodyLimit)
        }
        guard let (uaid, channel) = live.tokens.open(token) else { return .tokenNotFound }

        let fields: [String: String]
        switch await readFields(request, limit: bodyLimit) {
        case .decoded(let decoded): fields = decoded
        case .rejected(let outcome): return outcome
        }

        guard let version = UpdateRoutes.parseVersion(fields["version"], now: Date()) else { return .invalidVersion }
        let data = fields["data"].flatMap { $0.isEmpty ? nil : $0 }
        let maxDataLen = live.maxDataLen
        if let data, data.utf8.count > maxDataLen { return .dataTooLarge(limit: maxDataLen) }

        let result: SaveResult
        do {
            result = try await store.saveUpdate(uaid, channel: channel, version: version, data: data)
        } catch {
            // An outage fails every PUT: a line every few seconds says so without flooding the log.
            UpdateHandler.storeErrors.log(logger, .warning, "store failed to save an update", kind: "save-update",
                                          metadata: ["error": "\(error)"])
            return .storeUnavailable
        }
        switch result {
        case .unknownChannel, .unknownDevice: return .channelGone
        case .stale: return .stale
        case .saved:
            let update = Update(channelID: channel, version: version, data: data)
            return UpdateOutcome(await router.deliver(.simplePush(update), to: uaid))
        }
    }

    private enum ReadFields {
        case decoded([String: String])
        case rejected(UpdateOutcome)
    }

    /// Query parameters overlaid with the form body: a key present in both takes the body's value.
    private func readFields(_ request: Request, limit bodyLimit: Int) async -> ReadFields {
        guard let query = FormURLEncoding.decode(Array((request.uri.query ?? "").utf8)) else {
            return .rejected(.malformedRequest("Malformed query string"))
        }
        let body: ByteBuffer
        switch await request.readBody(limit: bodyLimit) {
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
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "application/x-www-form-urlencoded"
    }
}
