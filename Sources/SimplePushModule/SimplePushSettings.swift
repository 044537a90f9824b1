import PushCore

/// What the SimplePush module reads, on the device side and on the update endpoint. The app
/// fills it from the configuration and replaces it on reload.
public struct SimplePushSettings: Sendable {
    /// Most channels one UAID may register.
    public var maxChannels = 200
    /// Pings closer together than this are answered with error 203 and a close.
    public var minPingInterval = 20.0
    /// Largest `data` an app server may send with a version, in bytes.
    public var maxDataLen = 4096
    /// Answer OPTIONS and PUT with CORS headers.
    public var enableCORS = false
    /// The base URL endpoints are built on, without a trailing slash.
    public var publicURL: String
    /// Seals endpoints at register, opens them at PUT.
    public var tokens: EndpointTokenCodec

    public init(publicURL: String, tokens: EndpointTokenCodec) {
        self.publicURL = publicURL
        self.tokens = tokens
    }

    /// A form carries `data` percent-encoded (up to three bytes per byte) plus the version and
    /// separators; anything past this is not a valid update and is refused before it is buffered.
    var bodyLimit: Int { 3 * maxDataLen + 1024 }

    func endpointURL(_ uaid: UAID, _ channel: ChannelID) -> String {
        publicURL + "/update/" + tokens.seal(uaid: uaid, channel: channel)
    }
}
