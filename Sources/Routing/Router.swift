import PushCore

/// A message an endpoint accepted for a device, in the form its protocol delivers it. One case per
/// protocol; a router or connection handler ignores the cases it does not speak.
public enum PushMessage: Sendable, Equatable {
    /// A SimplePush channel's new version (already saved in the store).
    case simplePush(Update)
    /// A WebPush message (already saved in the store, unless its TTL is 0).
    case webPush(WebPushNotification)
}

/// Where a router put a message.
public enum RouteOutcome: Sendable, Equatable {
    /// Handed to the device's live connection on this node.
    case deliveredHere
    /// Handed to the node named, which holds the device's connection.
    case deliveredToNode(String)
    /// Handed to a bridge (APNs, FCM, …) named here.
    case handedToBridge(String)
    /// Nobody holds the device now: it gets the message from the store when it next connects.
    case stored
}

/// Takes a message the endpoint accepted to wherever the device can get it. The endpoint turns the
/// answer into its status (delivered or stored) and never reaches into connections itself.
///
/// Routers compose: the local node, then a remote node found in the shared store, then a bridge.
/// Each answers nil for a device it cannot reach, and the next one is asked.
public protocol Router: Sendable {
    func route(_ message: PushMessage, to uaid: UAID) async -> RouteOutcome?
}

/// A router that never waits (this node's own connections): it can answer before returning,
/// which lets an endpoint on an event loop deliver without a task.
public protocol InlineRouter: Router {
    func routeNow(_ message: PushMessage, to uaid: UAID) -> RouteOutcome?
}

/// Asks its routers in order; `.stored` when none of them reached the device.
public struct RouterChain: Router {
    public let routers: [any Router]
    /// The same routers, when every one of them is an `InlineRouter`.
    private let inlineRouters: [any InlineRouter]?

    public init(_ routers: [any Router]) {
        self.routers = routers
        let inline = routers.compactMap { $0 as? any InlineRouter }
        inlineRouters = inline.count == routers.count ? inline : nil
    }

    /// `deliver` done before returning; nil when a router of the chain would have to wait.
    public func deliverNow(_ message: PushMessage, to uaid: UAID) -> RouteOutcome? {
        guard let inlineRouters else { return nil }
        for router in inlineRouters {
            if let outcome = router.routeNow(message, to: uaid) { return outcome }
        }
        return .stored
    }

    /// Whether `deliverNow` answers.
    public var deliversInline: Bool { inlineRouters != nil }

    public func route(_ message: PushMessage, to uaid: UAID) async -> RouteOutcome? {
        for router in routers {
            if let outcome = await router.route(message, to: uaid) { return outcome }
        }
        return .stored
    }

    /// The outcome, never nil.
    public func deliver(_ message: PushMessage, to uaid: UAID) async -> RouteOutcome {
        await route(message, to: uaid) ?? .stored
    }
}
