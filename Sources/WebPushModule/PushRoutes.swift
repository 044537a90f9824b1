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
