import Endpoint
import Foundation
import Hummingbird
import Logging
import PushCore
import Routing
import Store
import WebSocket

/// SimplePush's routes on the endpoint: `PUT /update/<token>` and its CORS preflight.
public struct UpdateRoutes: RouteModule {
    let handler: UpdateHandler
    let settings: Live<SimplePushSettings>

    /// Saved updates go to `router` (this node's connections first, in the app's order).
    public init(store: any Store, router: RouterChain, settings: Live<SimplePushSettings>, drain: DrainSwitch, logger: Logger) {
        handler = UpdateHandler(store: store, router: router, settings: settings, drain: drain, logger: logger)
        self.settings = settings
    }

    /// `PUT /update/<token>` on the event loop that read it.
    public var inlineRoutes: [any InlineRoute] { [UpdateInlineRoute(handler: handler, settings: settings)] }

    public func addRoutes(to router: Hummingbird.Router<BasicRequestContext>) {
        let updatePath: RouterPath = "/update/:token"
        router.put(updatePath) { [handler] request, context in
            await handler.handle(request, token: context.parameters.get("token") ?? "")
        }
        router.on(updatePath, method: .options) { [settings] _, _ in
            Response.emptyJSON(.ok, headers: Self.preflightHeaders(cors: settings.current.enableCORS))
        }
        for method: HTTPRequest.Method in [.get, .head, .post, .delete, .patch, .trace] {
            router.on(updatePath, method: method) { _, _ in
                Response.jsonError(.methodNotAllowed, message: "Method Not Allowed", headers: [.allow: "PUT, OPTIONS"])
            }
        }
    }

    /// Parses an update's `version`. Missing or empty means "now" (Unix seconds); otherwise only
    /// decimal digits fitting a 64-bit signed integer are accepted. Nil means invalid.
    public static func parseVersion(_ text: String?, now: Date) -> Version? {
        let digits = (text ?? "").trimmingHTTPWhitespace()
        if digits.isEmpty {
            return Version(max(0, now.timeIntervalSince1970.rounded(.down)))
        }
        // Int64.init alone would also take a sign.
        guard digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Version(digits)
    }

    private static func preflightHeaders(cors: Bool) -> HTTPFields {
        guard cors else { return [:] }
        return [
            .accessControlAllowOrigin: "*",
            .accessControlAllowMethods: "PUT",
            .accessControlAllowHeaders: "Content-Type",
        ]
    }
}

/// `PUT /update/<token>` (an optional trailing slash, as Hummingbird's router allows) read by the
/// endpoint's inline handler; everything else on `/update` stays with the router.
struct UpdateInlineRoute: InlineRoute {
    let handler: UpdateHandler
    let settings: Live<SimplePushSettings>

    func bodyLimit(for head: HTTPRequest) -> Int? {
        guard head.method == .put, let path = head.path, Self.token(in: path) != nil else { return nil }
        return settings.current.bodyLimit
    }

    func respond(to request: InlineRequest) -> InlineReply {
        let target = request.head.path ?? ""
        let (token, query) = Self.token(in: target) ?? ("", "")
        return handler.respond(to: UpdateRequest(token: token, query: query, headers: request.head.headerFields, body: request.body))
    }

    /// The token and query of a request target `/update/<token>[/][?query]`; nil for any other.
    static func token(in target: String) -> (token: Substring, query: Substring)? {
        RequestTarget.lastSegment(of: target, after: "/update/").map { ($0.segment, $0.query) }
    }
}
