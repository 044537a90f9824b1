/// A refused push, as the app server is told: HTTP status, the errno of the WebPush error table
/// (shared with Mozilla's push service, so app-server libraries recognise it) and a message.
public struct PushError: Error, Equatable, Sendable {
    public var status: Int
    public var errno: Int
    public var message: String

    public init(status: Int, errno: Int, message: String) {
        self.status = status
        self.errno = errno
        self.message = message
    }

    public static let invalidToken = PushError(status: 404, errno: 102, message: "Invalid subscription token")
    public static let unknownDevice = PushError(status: 410, errno: 103, message: "Subscription expired: unknown device")
    public static let unknownChannel = PushError(status: 410, errno: 106, message: "Subscription is no longer valid")
    public static let payloadTooLarge = PushError(status: 413, errno: 104,
                                                  message: "Encrypted payload larger than \(PushRequest.maxPayload) bytes")
    public static let missingTTL = PushError(status: 400, errno: 111, message: "Missing TTL header")
    public static let invalidTTL = PushError(status: 400, errno: 114, message: "TTL must be a non-negative integer")
    public static let invalidTopic = PushError(status: 400, errno: 113,
                                               message: "Topic must be at most 32 characters of A-Z, a-z, 0-9, - and _")
    public static let invalidUrgency = PushError(status: 400, errno: 112,
                                                 message: "Urgency must be very-low, low, normal or high")
    public static let storeUnavailable = PushError(status: 503, errno: 201, message: "Storage is unavailable; retry later")
    public static let shuttingDown = PushError(status: 503, errno: 202, message: "The server is shutting down; retry later")

    public static func invalidEncoding(_ why: String) -> PushError {
        PushError(status: 400, errno: 110, message: why)
    }

    public static func invalidVAPID(_ why: String) -> PushError {
        PushError(status: 401, errno: 109, message: "Invalid VAPID credentials: \(why)")
    }

    /// Where the app server's developer reads about the error.
    public var moreInfo: String {
        errno == 109 ? "https://www.rfc-editor.org/rfc/rfc8292" : "https://www.rfc-editor.org/rfc/rfc8030"
    }
}
