import CoreMetrics

/// SimplePush message counts for the whole node (names and meanings in METRICS.md). Created on
/// first use, after the process installed its metrics backend.
enum NodeMetrics {
    static let hellos = Counter(label: "simplepush_hellos_total")
    static let registers = Counter(label: "simplepush_registers_total")
    static let unregisters = Counter(label: "simplepush_unregisters_total")
    static let acks = Counter(label: "simplepush_acks_total")
    static let pings = Counter(label: "simplepush_pings_total")
    /// Updates sent to devices (a notification on hello may carry several).
    static let notificationsSent = Counter(label: "simplepush_notifications_sent_total")
    /// Acks that removed a pending update.
    static let notificationsAcked = Counter(label: "simplepush_notifications_acked_total")
}
