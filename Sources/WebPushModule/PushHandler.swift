import Endpoint
import Foundation
import Hummingbird
import Logging
import Observability
import PushCore
import Routing
import Store
import VAPID
import WebPush

/// `POST /wpush/<v1|v2>/<token>`: an app server sends a message to a subscription. A message
/// with a TTL is saved first, then routed, so one answered 201 is already durable; a TTL of 0
/// is only routed (delivered if the device is connected now, else dropped, as RFC 8030 §5.2 asks).
struct PushHandler: Sendable {
    let store: any Store
    let router: RouterChain
    let settings: Live<WebPushSettings>
    /// Nil when the cache is off: every push is verified.
    let vapidCache: VAPIDCache?
    let clock: MessageClock
    let drain: DrainSwitch
    let logger: Logger
    static let storeErrors = LogThrottle()

    /// A push accepted: where its message can be deleted, and the TTL it was kept with.
    struct Accepted {
        let location: String
        let ttl: Int
    }

    func handle(_ request: Request, version: String?, token: String) async -> Response {
        let live = settings.current
        let result: Result<Accepted, PushError>
        if drain.isDraining {
            result = .failure(.shuttingDown)
        } else if !TransferCoding.isSupported(request.headers) {
            result = .failure(PushError(status: 501, errno: 999, message: "Unsupported Transfer-Encoding; only chunked is accepted"))
        } else {
            result = await accept(request, version: version, token: token, live: live)
        }
        var headers = PushRoutes.corsHeaders(live.enableCORS)
        switch result {
        case .success(let accepted):
            WebPushMetrics.pushes(status: 201).increment()
            headers[.location] = accepted.location
            headers[HTTPFields.Element.Name("TTL")!] = String(accepted.ttl)
            return Response(status: .created, headers: headers)
        case .failure(let error):
            WebPushMetrics.pushes(status: error.status).increment()
            logger.debug("push refused", metadata: ["status": "\(error.status)", "errno": "\(error.errno)", "why": "\(error.message)"])
            return .pushError(error, headers: headers)
        }
    }

    private func accept(_ request: Request, version: String?, token: String, live: WebPushSettings) async -> Result<Accepted, PushError> {
        guard let subscription = live.tokens.subscription(token: token, version: version) else { return .failure(.invalidToken) }
        let fields = request.headers
        let header: @Sendable (String) -> String? = { name in HTTPFields.Element.Name(name).flatMap { fields[$0] } }
        if let declared = header("content-length").flatMap(Int.init), declared > PushRequest.maxPayload {
            return .failure(.payloadTooLarge)
        }
        let body: ByteBuffer
        switch await request.readBody(limit: PushRequest.maxPayload) {
        case .read(let read): body = read
        case .tooLarge: return .failure(.payloadTooLarge)
        case .unreadable: return .failure(PushError(status: 400, errno: 999, message: "Could not read the request body"))
        }
        let push: PushRequest
        do throws(PushError) {
            push = try PushRequest.parse(header: header, bodyLength: body.readableBytes)
            try checkVAPID(authorization: header("authorization"), cryptoKey: header("crypto-key"),
                           for: subscription, audience: live.audience)
        } catch {
            return .failure(error)
        }
        let timestamp = clock.next()
        let message = StoredMessage(
            channel: subscription.channel, slot: push.topic.map(StoredMessage.Slot.topic) ?? .unique(UInt64.random(in: 0 ... .max)),
            timestamp: timestamp, expiry: StoredMessage.unixSeconds() + Int64(push.ttl), urgency: push.urgency,
            data: body.readableBytes == 0 ? nil : Base64URL.encode(Array(body.readableBytesView)), headers: push.deviceHeaders)
        do {
            if let refused = try await keep(message, for: subscription.uaid, ttl: push.ttl, live: live) { return .failure(refused) }
        } catch {
            PushHandler.storeErrors.log(logger, .warning, "store failed to save a push", kind: "save-push",
                                        metadata: ["error": "\(error)"])
            return .failure(.storeUnavailable)
        }
        let messageID = live.tokens.messageID(uaid: subscription.uaid, message: message)
        let notification = WebPushNotification(
            channel: message.channel, messageID: messageID,
            key: message.key,
            ttl: push.ttl, urgency: push.urgency, data: message.data, headers: message.headers)
        _ = await router.deliver(.webPush(notification), to: subscription.uaid)
        return .success(Accepted(location: live.publicURL + "/m/" + messageID, ttl: push.ttl))
    }

    /// Saves a message with a TTL; for TTL 0 only checks that the subscription still exists.
    /// Returns the error for a subscription that is gone.
    private func keep(_ message: StoredMessage, for uaid: UAID, ttl: Int, live: WebPushSettings) async throws -> PushError? {
        guard ttl > 0 else {
            guard let device = try await store.device(uaid) else { return .unknownDevice }
            return device.channels.contains(message.channel) ? nil : .unknownChannel
        }
        switch try await store.save(message, for: uaid, limit: live.maxStoredMessages) {
        case .saved, .stale: return nil
        case .unknownChannel: return .unknownChannel
        case .unknownDevice: return .unknownDevice
        }
    }

    /// VAPID is optional on v1 (but checked when sent) and required on v2, where the key must be
    /// the one the subscription was made with.
    private func checkVAPID(authorization: String?, cryptoKey: String?, for subscription: Subscription,
                            audience: String) throws(PushError) {
        guard let authorization else {
            if subscription.keyHash != nil { throw .invalidVAPID("this subscription requires VAPID") }
            return
        }
        do {
            let credentials = try VAPIDCredentials.parse(authorization: authorization, cryptoKey: cryptoKey)
            if let keyHash = subscription.keyHash, credentials.keyHash != keyHash {
                throw PushError.invalidVAPID("the key is not the one this subscription was made with")
            }
            let now = StoredMessage.unixSeconds()
            let claims: VAPIDClaims
            if let vapidCache {
                let before = vapidCache.signatureChecks
                claims = try vapidCache.verify(credentials, audience: audience, now: now)
                if vapidCache.signatureChecks != before { WebPushMetrics.vapidSignatureChecks.increment() }
            } else {
                WebPushMetrics.vapidSignatureChecks.increment()
                claims = try VAPIDVerifier.verify(credentials, audience: audience, now: now)
            }
            logger.debug("vapid verified", metadata: ["sub": "\(claims.subject ?? "-")"])
        } catch let error as PushError {
            throw error
        } catch let error as VAPIDError {
            throw .invalidVAPID(error.description)
        } catch {
            throw .invalidVAPID("\(error)")
        }
    }
}

extension Response {
    /// `{"code","errno","error","message","more_info"}`, the error body web-push libraries read;
    /// a 401 says how to authenticate, a 410 may be cached, a 503 says when to retry.
    static func pushError(_ error: PushError, headers: HTTPFields) -> Response {
        var headers = headers
        let status = HTTPResponse.Status.known(error.status)
        switch error.status {
        case 401: headers[.wwwAuthenticate] = "vapid"
        case 410: headers[.cacheControl] = "max-age=86400"
        case 503: headers[.retryAfter] = "10"
        default: break
        }
        return .json(status, .object([
            ("code", .int(error.status)), ("errno", .int(error.errno)), ("error", .string(status.reasonPhrase)),
            ("message", .string(error.message)), ("more_info", .string(error.moreInfo)),
        ]), headers: headers)
    }
}

extension HTTPResponse.Status {
    /// The status with its reason phrase (`Status(code:)` alone leaves the phrase empty).
    static func known(_ code: Int) -> HTTPResponse.Status {
        let known: [HTTPResponse.Status] = [.badRequest, .unauthorized, .notFound, .gone, .contentTooLarge, .notImplemented,
                                            .serviceUnavailable, .created, .noContent]
        return known.first { $0.code == code } ?? HTTPResponse.Status(code: code)
    }
}
