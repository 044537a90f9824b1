/// What every device protocol's module reads alike: the device-side limits and how its endpoint
/// URLs are made. Each module's settings hold one and add their own (SimplePush's data cap,
/// WebPush's stored-message cap), reading these fields through as if they were their own.
public struct ServiceSettings: Sendable {
    /// The base URL for a request on the endpoint: what its forwarded headers say when they are
    /// trusted and well formed, else `publicURL`.
    public func publicURL(forwardedProto: String?, host: String?) -> String {
        guard forwardedHeaders else { return publicURL }
        return ForwardedBase.from(proto: forwardedProto, host: host, allowed: forwardedHosts) ?? publicURL
    }

    /// Most channels one UAID may register.
    public var maxChannels = 200
    /// Pings closer together than this close the connection.
    public var minPingInterval = 20.0
    /// Answer the endpoint's routes with CORS headers, for browsers' app servers.
    public var enableCORS = false
    /// The base URL endpoints are built on, without a trailing slash.
    public var publicURL: String
    /// Behind a proxy, a request's `X-Forwarded-*` headers name the base URL instead (see
    /// `ForwardedBase`).
    public var forwardedHeaders = false
    /// The hosts forwarded headers may name; empty: any.
    public var forwardedHosts: [String] = []
    /// Seals endpoints at register, opens them when an app server sends.
    public var tokens: EndpointTokenCodec

    public init(publicURL: String, tokens: EndpointTokenCodec) {
        self.publicURL = publicURL
        self.tokens = tokens
    }
}

/// A module's settings built around `ServiceSettings`: its fields read through as the module's own
/// (`settings.maxChannels`).
@dynamicMemberLookup
public protocol ServiceSettingsHolder {
    var service: ServiceSettings { get set }
}

extension ServiceSettingsHolder {
    public subscript<Value>(dynamicMember field: WritableKeyPath<ServiceSettings, Value>) -> Value {
        get { service[keyPath: field] }
        set { service[keyPath: field] = newValue }
    }
}
