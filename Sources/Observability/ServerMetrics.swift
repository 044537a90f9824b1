import CoreMetrics
import Prometheus

/// Metrics go through the swift-metrics API everywhere; this installs the Prometheus backend once
/// per process and renders its text format for `GET /metrics`.
public final class MetricsRegistry: Sendable {
    public let registry: PrometheusCollectorRegistry

    /// Call before any metric is created: metrics made earlier stay bound to the no-op backend.
    public static func bootstrap() -> MetricsRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Store calls and loop lag are sub-millisecond to seconds.
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        MetricsSystem.bootstrap(factory)
        return MetricsRegistry(registry: registry)
    }

    init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    public func render() -> String { registry.emitToString() }
}
