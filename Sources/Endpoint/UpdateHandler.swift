import Foundation
import HTTPForm
import Hummingbird
import Logging
import Observability
import PushCore
import Store

/// `PUT /update/<token>`: an app server announces a new version (and optional data) for a channel.
struct UpdateHandler: Sendable {
    let deps: EndpointDependencies
    static let storeErrors = LogThrottle()

    /// A form carries `data` percent-encoded (up to three bytes per byte) plus the version and
    /// separators; anything past this is not a valid update and is refused before it is buffered.
    static func bodyLimit(_ config: ServerConfig) -> Int { 3 * config.general.maxDataLen + 1024 }

    func handle(_ request: Request, token: String) async -> Response {
        // One snapshot per request: a reload in the middle does not mix old and new limits.
        let live = deps.live.current
        let headers: HTTPFields = live.config.endpoint.enableCORS ? [.accessControlAllowOrigin: "*"] : [:]
        guard TransferCoding.isSupported(request.headers) else {
            // Not an outcome of the update: the body cannot be read, so nothing about it is known.
            EndpointMetrics.updates(status: HTTPResponse.Status.notImplemented.code).increment()
            return .jsonError(.notImplemented, message: "Unsupported Transfer-Encoding; only chunked is accepted",
                              headers: headers)
        }
        let outcome = deps.drain.isDraining ? .shuttingDown : await process(request, token: token, live: live)
        EndpointMetrics.updates(status: outcome.status.code).increment()
        deps.logger.debug(
            "update request",
            metadata: ["status": "\(outcome.status.code)", "outcome": "\(outcome.name)"])
        return outcome.response(headers: headers)
    }

    private func process(_ request: Request, token: String, live: LiveConfig.Snapshot) async -> UpdateOutcome {
        let bodyLimit = UpdateHandler.bodyLimit(live.config)
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > bodyLimit {
            return .bodyTooLarge(limit: bodyLimit)
        }
        guard let (uaid, channel) = live.tokens.open(token) else { return .tokenNotFound }

        let fields: [String: String]
        switch await readFields(request, limit: bodyLimit) {
        case .decoded(let decoded): fields = decoded
        case .rejected(let outcome): return outcome
        }

        guard let version = UpdateEndpoint.parseVersion(fields["version"], now: Date()) else { return .invalidVersion }
        let data = fields["data"].flatMap { $0.isEmpty ? nil : $0 }
        let maxDataLen = live.config.general.maxDataLen
        if let data, data.utf8.count > maxDataLen { return .dataTooLarge(limit: maxDataLen) }

        let result: SaveResult
        do {
            result = try await deps.store.saveUpdate(uaid, channel: channel, version: version, data: data)
        } catch {
            // An outage fails every PUT: a line every few seconds says so without flooding the log.
            UpdateHandler.storeErrors.log(deps.logger, .warning, "store failed to save an update", kind: "save-update",
                                          metadata: ["error": "\(error)"])
            return .storeUnavailable
        }
        switch result {
        case .unknownChannel: return .channelGone
        case .stale: return .stale
        case .saved:
            let update = Update(channelID: channel, version: version, data: data)
            return deps.delivery.deliver(update, to: uaid) ? .delivered : .stored
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
        var body = ByteBuffer()
        do {
            for try await chunk in request.body {
                guard body.readableBytes + chunk.readableBytes <= bodyLimit else {
                    return .rejected(.bodyTooLarge(limit: bodyLimit))
                }
                body.writeImmutableBuffer(chunk)
            }
        } catch {
            return .rejected(.malformedRequest("Could not read the request body"))
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
