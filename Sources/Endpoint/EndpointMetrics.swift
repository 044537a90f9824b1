import CoreMetrics

/// Endpoint metrics (names and meanings in METRICS.md).
enum EndpointMetrics {
    /// Connections closed by each endpoint limit, made once.
    static let limitClosures: [LimitWarnings.Limit: Counter] = Dictionary(uniqueKeysWithValues: LimitWarnings.Limit.allCases.map {
        ($0, Counter(label: "simplepush_endpoint_limit_closures_total", dimensions: [("limit", $0.rawValue)]))
    })
}
