import PushCore

/// What the WebPush module reads, on the device side and on the push endpoint. The app fills it
/// from the configuration and replaces it on reload.
public struct WebPushSettings: ServiceSettingsHolder, Sendable {
    /// Channel cap, ping interval, CORS, public URL and token keys, shared with SimplePush.
    public var service: ServiceSettings
    /// Most messages stored for one device; past it the oldest are dropped.
    public var maxStoredMessages = 100
    /// Stored messages sent per batch; the next batch goes when this one is acked.
    public var batchSize = 10

    public init(publicURL: String, tokens: EndpointTokenCodec) {
        service = ServiceSettings(publicURL: publicURL, tokens: tokens)
    }

    /// The origin VAPID tokens must name in `aud`: scheme, host and port of the public URL.
    public var audience: String { ForwardedBase.origin(of: service.publicURL) }
}
