import CoreMetrics

/// Endpoint metrics (names and meanings in METRICS.md).
enum EndpointMetrics {
    /// One counter per status an update can be answered with, made once rather than looked up
    /// in the metrics backend on every request.
    private static let updatesByStatus: [Int: Counter] = Dictionary(
        uniqueKeysWithValues: [200, 202, 400, 404, 410, 413, 503].map { ($0, makeUpdates(status: $0)) })

    static func updates(status: Int) -> Counter {
        updatesByStatus[status] ?? makeUpdates(status: status)
    }

    private static func makeUpdates(status: Int) -> Counter {
        Counter(label: "simplepush_updates_total", dimensions: [("status", String(status))])
    }

    /// Connections closed by each endpoint limit, made once.
    static let limitClosures: [LimitWarnings.Limit: Counter] = Dictionary(uniqueKeysWithValues: LimitWarnings.Limit.allCases.map {
        ($0, Counter(label: "simplepush_endpoint_limit_closures_total", dimensions: [("limit", $0.rawValue)]))
    })
}
