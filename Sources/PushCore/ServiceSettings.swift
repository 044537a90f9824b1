/// What every device protocol's module reads alike: the device-side limits and how its endpoint
/// URLs are made. Each module's settings hold one and add their own (SimplePush's data cap,
/// WebPush's stored-message cap), reading these fields through as if they were their own.
public struct ServiceSettings: Sendable {
    /// Most channels one UAID may register.
    public var maxChannels = 200
    /// Pings closer together than this close the connection.
    public var minPingInterval = 20.0
    /// Answer the endpoint's routes with CORS headers, for browsers' app servers.
    public var enableCORS = false
    /// The base URL endpoints are built on, without a trailing slash.
    public var publicURL: String
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
