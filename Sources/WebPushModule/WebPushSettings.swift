import PushCore

/// What the WebPush module reads, on the device side and on the push endpoint. The app fills it
/// from the configuration and replaces it on reload.
public struct WebPushSettings: Sendable {
    /// Most channels one UAID may register.
    public var maxChannels = 200
    /// Pings closer together than this close the connection.
    public var minPingInterval = 20.0
    /// Most messages stored for one device; past it the oldest are dropped.
    public var maxStoredMessages = 100
    /// Stored messages sent per batch; the next batch goes when this one is acked.
    public var batchSize = 10
    /// Answer OPTIONS, POST and DELETE with CORS headers.
    public var enableCORS = false
    /// The base URL endpoints are built on, without a trailing slash.
    public var publicURL: String
    /// Seals subscriptions and message ids, opens them at POST, DELETE and ack.
    public var tokens: EndpointTokenCodec

    public init(publicURL: String, tokens: EndpointTokenCodec) {
        self.publicURL = publicURL
        self.tokens = tokens
    }

    /// The origin VAPID tokens must name in `aud`: scheme, host and port of the public URL.
    public var audience: String {
        guard let schemeEnd = publicURL.range(of: "://") else { return publicURL }
        let rest = publicURL[schemeEnd.upperBound...]
        let host = rest.prefix { $0 != "/" }
        return String(publicURL[..<schemeEnd.upperBound]) + host
    }
}
