import PushCore

/// What the SimplePush module reads, on the device side and on the update endpoint. The app
/// fills it from the configuration and replaces it on reload.
public struct SimplePushSettings: ServiceSettingsHolder, Sendable {
    /// Channel cap, ping interval, CORS, public URL and token keys, shared with WebPush.
    public var service: ServiceSettings
    /// Largest `data` an app server may send with a version, in bytes.
    public var maxDataLen = 4096

    public init(publicURL: String, tokens: EndpointTokenCodec) {
        service = ServiceSettings(publicURL: publicURL, tokens: tokens)
    }

    /// A form carries `data` percent-encoded (up to three bytes per byte) plus the version and
    /// separators; anything past this is not a valid update and is refused before it is buffered.
    var bodyLimit: Int { 3 * maxDataLen + 1024 }

    /// `base`: the public URL the device came in under, when a proxy named one.
    func endpointURL(_ uaid: UAID, _ channel: ChannelID, base: String?) -> String {
        (base ?? self.publicURL) + "/update/" + self.tokens.seal(uaid: uaid, channel: channel)
    }
}
