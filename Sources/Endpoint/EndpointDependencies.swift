import Logging
import PushCore
import Store

/// Everything the HTTP endpoint needs from the rest of the server.
public struct EndpointDependencies: Sendable {
    public var store: any Store
    /// Hands accepted updates to devices connected to this node.
    public var delivery: any UpdateDelivery
    /// The config and token keys in force (SIGHUP may replace them).
    public var live: LiveConfig
    /// Set when shutdown begins: new updates are refused with 503.
    public var drain: DrainSwitch
    /// Renders every metric in the Prometheus text format, for `GET /metrics`.
    public var metricsText: @Sendable () -> String
    /// Server version reported by the health routes.
    public var version: String
    public var logger: Logger

    /// Opens the tokens in `/update/<token>` URLs.
    public var tokens: EndpointTokenCodec { live.tokens }
    /// Read for `general.maxDataLen` and the `endpoint` section.
    public var config: ServerConfig { live.config }

    public init(
        store: any Store,
        delivery: any UpdateDelivery,
        live: LiveConfig,
        drain: DrainSwitch,
        metricsText: @escaping @Sendable () -> String,
        version: String,
        logger: Logger
    ) {
        self.store = store
        self.delivery = delivery
        self.live = live
        self.drain = drain
        self.metricsText = metricsText
        self.version = version
        self.logger = logger
    }
}
