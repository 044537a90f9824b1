import CoreMetrics

/// SimplePush counts for the whole node (names and meanings in METRICS.md). Created on first
/// use, after the process installed its metrics backend.
enum SimplePushMetrics {
    static let hellos = Counter(label: "simplepush_hellos_total")
    static let registers = Counter(label: "simplepush_registers_total")
    static let unregisters = Counter(label: "simplepush_unregisters_total")
    static let acks = Counter(label: "simplepush_acks_total")
    static let pings = Counter(label: "simplepush_pings_total")
    /// Updates sent to devices (a notification on hello may carry several).
    static let notificationsSent = Counter(label: "simplepush_notifications_sent_total")
    /// Acks that removed a pending update.
    static let notificationsAcked = Counter(label: "simplepush_notifications_acked_total")

    /// One counter per status an update can be answered with, made once rather than looked up
    /// in the metrics backend on every request.
    private static let updatesByStatus: [Int: Counter] = Dictionary(
        uniqueKeysWithValues: [200, 202, 400, 404, 410, 413, 501, 503].map { ($0, makeUpdates(status: $0)) })

    static func updates(status: Int) -> Counter {
        updatesByStatus[status] ?? makeUpdates(status: status)
    }

    private static func makeUpdates(status: Int) -> Counter {
        Counter(label: "simplepush_updates_total", dimensions: [("status", String(status))])
    }
}
