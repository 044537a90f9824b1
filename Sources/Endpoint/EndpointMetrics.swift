import CoreMetrics

/// Endpoint metrics (names and meanings in METRICS.md).
enum EndpointMetrics {
    static func updates(status: Int) -> Counter {
        Counter(label: "simplepush_updates_total", dimensions: [("status", String(status))])
    }
}
