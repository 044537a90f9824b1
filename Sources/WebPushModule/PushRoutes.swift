import Endpoint
import Hummingbird
import Logging
import PushCore
import Routing
import Store
import VAPID
import WebPush

/// WebPush's routes on the endpoint: `POST /wpush/v1/<token>`, `/wpush/v2/<token>` and
/// `/wpush/<token>` (v1), `DELETE /m/<message id>`, and their CORS preflights.
public struct PushRoutes: RouteModule {
    let handler: PushHandler
    let settings: Live<WebPushSettings>

    /// `vapidCacheSize` 0 verifies every push's VAPID signature.
    public init(store: any Store, router: RouterChain, settings: Live<WebPushSettings>, vapidCacheSize: Int,
                drain: DrainSwitch, logger: Logger) {
        handler = PushHandler(store: store, router: router, settings: settings,
                              vapidCache: vapidCacheSize > 0 ? VAPIDCache(capacity: vapidCacheSize) : nil,
                              clock: MessageClock(), drain: drain, logger: logger)
        self.settings = settings
    }

    /// `POST /wpush/…/<token>` on the event loop that read it.
    public var inlineRoutes: [any InlineRoute] { [PushInlineRoute(handler: handler)] }

    public func addRoutes(to router: Hummingbird.Router<BasicRequestContext>) {
        for (path, version): (RouterPath, String?) in [("/wpush/v1/:token", "v1"), ("/wpush/v2/:token", "v2"), ("/wpush/:token", nil)] {
            router.post(path) { [handler] request, context in
                await handler.handle(request, version: version, token: context.parameters.get("token") ?? "")
            }
            router.on(path, method: .options) { [settings] _, _ in
                Response(status: .ok, headers: Self.preflightHeaders(settings.current.enableCORS, methods: "POST"))
            }
        }
        router.delete("/m/:id") { [handler, settings] _, context in
            await Self.deleteMessage(context.parameters.get("id") ?? "", store: handler.store, live: settings.current)
        }
        router.on("/m/:id", method: .options) { [settings] _, _ in
            Response(status: .ok, headers: Self.preflightHeaders(settings.current.enableCORS, methods: "DELETE"))
        }
    }

    /// 204 whether or not the message was still there (it may have been delivered meanwhile).
    static func deleteMessage(_ id: String, store: any Store, live: WebPushSettings) async -> Response {
        let headers = corsHeaders(live.enableCORS)
        guard let (uaid, reference) = live.tokens.openMessageID(id) else {
            WebPushMetrics.pushes(status: 404).increment()
            return .pushError(.invalidToken, headers: headers)
        }
        do {
            try await store.delete(reference, for: uaid)
        } catch {
            WebPushMetrics.pushes(status: 503).increment()
            return .pushError(.storeUnavailable, headers: headers)
        }
        WebPushMetrics.pushes(status: 204).increment()
        return Response(status: .noContent, headers: headers)
    }

    /// What every answer carries when CORS is on: browsers' app servers may read the message's
    /// location and the authentication challenge.
    static func corsHeaders(_ enabled: Bool) -> HTTPFields {
        guard enabled else { return [:] }
        return [.accessControlAllowOrigin: "*", .accessControlExposeHeaders: "location, www-authenticate"]
    }

    private static func preflightHeaders(_ enabled: Bool, methods: String) -> HTTPFields {
        guard enabled else { return [:] }
        return [
            .accessControlAllowOrigin: "*",
            .accessControlAllowMethods: methods,
            .accessControlAllowHeaders: "content-encoding, encryption, crypto-key, ttl, topic, urgency, authorization, content-type",
            .accessControlMaxAge: "86400",
        ]
    }
}

/// `POST /wpush/v1/<token>`, `/wpush/v2/<token>` and `/wpush/<token>` read by the endpoint's
/// inline handler; everything else stays with the router.
struct PushInlineRoute: InlineRoute {
    let handler: PushHandler
    private static let paths: [(prefix: String, version: String?)] = [("/wpush/v1/", "v1"), ("/wpush/v2/", "v2"), ("/wpush/", nil)]

    func bodyLimit(for head: HTTPRequest) -> Int? {
        guard head.method == .post, let target = head.path, Self.match(target) != nil else { return nil }
        return PushRequest.maxPayload
    }

    func respond(to request: InlineRequest) -> InlineReply {
        let (token, version) = Self.match(request.head.path ?? "") ?? ("", nil)
        return handler.respond(to: PushInput(version: version, token: token, headers: request.head.headerFields, body: request.body))
    }

    private static func match(_ target: String) -> (token: Substring, version: String?)? {
        for path in paths {
            if let (token, _) = RequestTarget.lastSegment(of: target, after: path.prefix) { return (token, path.version) }
        }
        return nil
    }
}
