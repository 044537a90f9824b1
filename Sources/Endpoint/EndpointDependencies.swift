import Logging
import PushCore
import Store

/// Everything the HTTP endpoint needs from the rest of the server.
public struct EndpointDependencies: Sendable {
    public var store: any Store
    /// Hands accepted updates to devices connected to this node.
    public var delivery: any UpdateDelivery
    /// Opens the tokens in `/update/<token>` URLs.
    public var tokens: EndpointTokenCodec
    /// Read for `general.maxDataLen` and the `endpoint` section.
    public var config: ServerConfig
    /// Server version reported by the health routes.
    public var version: String
    public var logger: Logger

    public init(
        store: any Store,
        delivery: any UpdateDelivery,
        tokens: EndpointTokenCodec,
        config: ServerConfig,
        version: String,
        logger: Logger
    ) {
        self.store = store
        self.delivery = delivery
        self.tokens = tokens
        self.config = config
        self.version = version
        self.logger = logger
    }
}
