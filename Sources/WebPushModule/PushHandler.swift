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

/// What a push request carries, whichever way the endpoint read it.
struct PushInput: Sendable {
    /// "v1", "v2", or nil for `/wpush/<token>` (v1).
    let version: String?
    let token: Substring
    let headers: HTTPFields
    let body: BoundedBody
}

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

    /// A push checked and made into the message to keep, before the store is asked.
    struct Prepared: Sendable {
        let subscription: Subscription
        let ttl: Int
        let message: StoredMessage
        /// The public URL the request came in under: the message's `Location` is on it.
        let base: String
    }

    /// Through Hummingbird's router: the requests pipelined behind another of its own.
    func handle(_ request: Request, version: String?, token: String) async -> Response {
        let body = await request.readBody(limit: PushRequest.maxPayload)
        return await respond(to: PushInput(version: version, token: token[...], headers: request.headers, body: body)).response()
    }

    /// The answer, made before returning when the store and every router never wait (the memory
    /// store, this node's connections); otherwise after the store call.
    func respond(to input: PushInput) -> InlineReply {
        let live = settings.current
        let prepared: Result<Prepared, PushError>
        if drain.isDraining {
            prepared = .failure(.shuttingDown)
        } else if !TransferCoding.isSupported(input.headers) {
            prepared = .failure(PushError(status: 501, errno: 999, message: "Unsupported Transfer-Encoding; only chunked is accepted"))
        } else {
            prepared = prepare(input, live: live)
        }
        let push: Prepared
        switch prepared {
        case .success(let prepared): push = prepared
        case .failure(let error): return .now(answer(.failure(error), live: live))
        }
        if let inline = store.nonBlocking, router.deliversInline {
            return .now(answer(keepNow(push, in: inline, live: live), live: live))
        }
        return .later { [self] in answer(await keep(push, live: live), live: live) }
    }

    private func answer(_ result: Result<Accepted, PushError>, live: WebPushSettings) -> PlainResponse {
        var headers = PushRoutes.corsHeaders(live.enableCORS)
        switch result {
        case .success(let accepted):
            WebPushMetrics.pushes(status: 201).increment()
            headers[.location] = accepted.location
            headers[HTTPFields.Element.Name("TTL")!] = String(accepted.ttl)
            return PlainResponse(status: .created, headers: headers)
        case .failure(let error):
            WebPushMetrics.pushes(status: error.status).increment()
            logger.debug("push refused", metadata: ["status": "\(error.status)", "errno": "\(error.errno)", "why": "\(error.message)"])
            return .pushError(error, headers: headers)
        }
    }

    /// Everything decided before the store is asked: token, headers, body, VAPID.
    private func prepare(_ input: PushInput, live: WebPushSettings) -> Result<Prepared, PushError> {
        guard let subscription = live.tokens.subscription(token: String(input.token), version: input.version) else {
            return .failure(.invalidToken)
        }
        let fields = input.headers
        let header: @Sendable (String) -> String? = { name in HTTPFields.Element.Name(name).flatMap { fields[$0] } }
        if let declared = header("content-length").flatMap(Int.init), declared > PushRequest.maxPayload {
            return .failure(.payloadTooLarge)
        }
        let body: ByteBuffer
        switch input.body {
        case .read(let read): body = read
        case .tooLarge: return .failure(.payloadTooLarge)
        case .unreadable: return .failure(PushError(status: 400, errno: 999, message: "Could not read the request body"))
        }
        let push: PushRequest
        let base = live.service.publicURL(forwardedProto: header("x-forwarded-proto"), host: header("x-forwarded-host") ?? header("host"))
        do throws(PushError) {
            push = try PushRequest.parse(header: header, bodyLength: body.readableBytes)
            try checkVAPID(authorization: header("authorization"), cryptoKey: header("crypto-key"),
                           for: subscription, audience: ForwardedBase.origin(of: base))
        } catch {
            return .failure(error)
        }
        let message = StoredMessage(
            channel: subscription.channel, slot: push.topic.map(StoredMessage.Slot.topic) ?? .unique(UInt64.random(in: 0 ... .max)),
            timestamp: clock.next(), expiry: StoredMessage.unixSeconds() + Int64(push.ttl), urgency: push.urgency,
            data: body.readableBytes == 0 ? nil : Base64URL.encode(Array(body.readableBytesView)), headers: push.deviceHeaders)
        return .success(Prepared(subscription: subscription, ttl: push.ttl, message: message, base: base))
    }

    private func keepNow(_ push: Prepared, in inline: any NonBlockingStore, live: WebPushSettings) -> Result<Accepted, PushError> {
        let uaid = push.subscription.uaid
        let refused: PushError?
        do {
            if push.ttl > 0 {
                refused = Self.refusal(try inline.saveNow(push.message, for: uaid, limit: live.maxStoredMessages))
            } else {
                refused = Self.refusal(try inline.deviceNow(uaid), channel: push.message.channel)
            }
        } catch {
            return storeFailed(error)
        }
        if let refused { return .failure(refused) }
        let (notification, accepted) = delivery(of: push, live: live)
        _ = router.deliverNow(.webPush(notification), to: uaid)
        return .success(accepted)
    }

    /// Saves a message with a TTL; for TTL 0 only checks that the subscription still exists.
    /// Then routes it.
    private func keep(_ push: Prepared, live: WebPushSettings) async -> Result<Accepted, PushError> {
        let uaid = push.subscription.uaid
        let refused: PushError?
        do {
            if push.ttl > 0 {
                refused = Self.refusal(try await store.save(push.message, for: uaid, limit: live.maxStoredMessages))
            } else {
                let device = try await store.device(uaid)
                // A store that may lose records does not know a device it has none of is gone.
                refused = device == nil && store.mayLoseRecords ? nil : Self.refusal(device, channel: push.message.channel)
            }
        } catch {
            return storeFailed(error)
        }
        if let refused { return .failure(refused) }
        let (notification, accepted) = delivery(of: push, live: live)
        _ = await router.deliver(.webPush(notification), to: uaid)
        return .success(accepted)
    }

    /// The error for a subscription that is gone; nil for a message kept.
    private static func refusal(_ result: SaveResult) -> PushError? {
        switch result {
        case .saved, .stale: return nil
        case .unknownChannel: return .unknownChannel
        case .unknownDevice: return .unknownDevice
        }
    }

    /// For TTL 0, which is not saved: whether the subscription still exists.
    private static func refusal(_ device: DeviceRecord?, channel: ChannelID) -> PushError? {
        guard let device else { return .unknownDevice }
        return device.channels.contains(channel) ? nil : .unknownChannel
    }

    private func storeFailed(_ error: any Error) -> Result<Accepted, PushError> {
        PushHandler.storeErrors.log(logger, .warning, "store failed to save a push", kind: "save-push",
                                    metadata: ["error": "\(error)"])
        return .failure(.storeUnavailable)
    }

    /// What the device is sent and what the app server is answered, for a message kept.
    private func delivery(of push: Prepared, live: WebPushSettings) -> (WebPushNotification, Accepted) {
        let message = push.message
        let messageID = live.tokens.messageID(uaid: push.subscription.uaid, message: message)
        let notification = WebPushNotification(
            channel: message.channel, messageID: messageID, key: message.key,
            ttl: push.ttl, urgency: message.urgency, data: message.data, headers: message.headers)
        return (notification, Accepted(location: push.base + "/m/" + messageID, ttl: push.ttl))
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
    static func pushError(_ error: PushError, headers: HTTPFields) -> Response {
        Response(PlainResponse.pushError(error, headers: headers))
    }
}

extension PlainResponse {
    /// `{"code","errno","error","message","more_info"}`, the error body web-push libraries read;
    /// a 401 says how to authenticate, a 410 may be cached, a 503 says when to retry.
    static func pushError(_ error: PushError, headers: HTTPFields) -> PlainResponse {
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
