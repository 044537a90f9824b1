import CoreMetrics
import WebPush

/// WebPush counts for the whole node (names and meanings in METRICS.md).
enum WebPushMetrics {
    static let hellos = Counter(label: "webpush_hellos_total")
    static let registers = Counter(label: "webpush_registers_total")
    static let unregisters = Counter(label: "webpush_unregisters_total")
    static let nacks = Counter(label: "webpush_nacks_total")
    /// Messages sent to devices, live or from the store.
    static let notificationsSent = Counter(label: "webpush_notifications_sent_total")
    /// Acks that removed a stored message.
    static let acked = Counter(label: "webpush_notifications_acked_total")
    /// VAPID signatures actually checked; a cached token is not counted again.
    static let vapidSignatureChecks = Counter(label: "webpush_vapid_signature_checks_total")

    private static let pushesByStatus: [Int: Counter] = Dictionary(
        uniqueKeysWithValues: [201, 204, 400, 401, 404, 410, 413, 501, 503].map { ($0, makePushes(status: $0)) })

    /// `POST /wpush/…` and `DELETE /m/…` answers by status.
    static func pushes(status: Int) -> Counter {
        pushesByStatus[status] ?? makePushes(status: status)
    }

    private static func makePushes(status: Int) -> Counter {
        Counter(label: "webpush_pushes_total", dimensions: [("status", String(status))])
    }

    static func count(_ message: DeviceMessage) {
        switch message {
        case .hello: hellos.increment()
        case .register: registers.increment()
        case .unregister: unregisters.increment()
        case .nack: nacks.increment()
        default: break
        }
    }
}
