import CoreMetrics

/// One reactor's metrics, labelled by worker (names and meanings in METRICS.md). Created with the
/// reactor, after the process installed its metrics backend.
struct ReactorMetrics {
    let connections: Gauge
    let handshakesAccepted: Counter
    let handshakesRefused: Counter
    let bytesIn: Counter
    let bytesOut: Counter
    /// Open connections dropped because they answered neither input nor an idle ping.
    let idleDrops: Counter
    /// Connections closed because their unsent output passed the cap (a reader that stopped).
    let outputOverflows: Counter
    /// TLS handshakes completed in full, resumed from a session ticket, or failed (a plain-HTTP
    /// request on the TLS port counts as failed).
    let tlsFull: Counter
    let tlsResumed: Counter
    let tlsFailed: Counter
    /// How long work posted to the mailbox (deliveries, store results) waited for the loop.
    let lag: Timer

    init(worker: Int) {
        let labels = [("worker", String(worker))]
        connections = Gauge(label: "simplepush_connections", dimensions: labels)
        handshakesAccepted = Counter(label: "simplepush_handshakes_total", dimensions: labels + [("result", "accepted")])
        handshakesRefused = Counter(label: "simplepush_handshakes_total", dimensions: labels + [("result", "refused")])
        bytesIn = Counter(label: "simplepush_bytes_in_total", dimensions: labels)
        bytesOut = Counter(label: "simplepush_bytes_out_total", dimensions: labels)
        idleDrops = Counter(label: "simplepush_connections_dropped_total", dimensions: labels + [("reason", "idle")])
        outputOverflows = Counter(label: "simplepush_connections_dropped_total", dimensions: labels + [("reason", "output_overflow")])
        tlsFull = Counter(label: "simplepush_tls_handshakes_total", dimensions: labels + [("result", "full")])
        tlsResumed = Counter(label: "simplepush_tls_handshakes_total", dimensions: labels + [("result", "resumed")])
        tlsFailed = Counter(label: "simplepush_tls_handshakes_total", dimensions: labels + [("result", "failed")])
        lag = Timer(label: "simplepush_reactor_lag_seconds", dimensions: labels)
    }
}
