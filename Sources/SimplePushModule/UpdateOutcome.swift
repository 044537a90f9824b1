import Endpoint
import Hummingbird
import PushCore
import Routing
import SimplePush

/// How one `PUT /update/<token>` ended. Kept apart from the response so the log line and the
/// reply are made from the same value.
enum UpdateOutcome: Sendable {
    /// Saved and handed to the device's live connection (on this node or another) or to a bridge.
    case delivered
    /// Saved; the device gets it on its next hello.
    case stored
    /// Not newer than a version already accepted for the channel: dropped.
    case stale
    case tokenNotFound
    case channelGone
    case invalidVersion
    case malformedRequest(String)
    case dataTooLarge(limit: Int)
    case bodyTooLarge(limit: Int)
    case storeUnavailable
    /// The server is shutting down; another node (or this one, restarted) takes the update.
    case shuttingDown

    /// A saved update, by where the router put it.
    init(_ routed: RouteOutcome) {
        switch routed {
        case .deliveredHere, .deliveredToNode, .handedToBridge: self = .delivered
        case .stored: self = .stored
        }
    }

    /// Short name for the log line.
    var name: String {
        switch self {
        case .delivered: return "delivered"
        case .stored: return "stored"
        case .stale: return "stale"
        case .tokenNotFound: return "token-not-found"
        case .channelGone: return "channel-gone"
        case .invalidVersion: return "invalid-version"
        case .malformedRequest: return "malformed-request"
        case .dataTooLarge: return "data-too-large"
        case .bodyTooLarge: return "body-too-large"
        case .storeUnavailable: return "store-unavailable"
        case .shuttingDown: return "shutting-down"
        }
    }

    /// Seconds an app server should wait before retrying when the store is down.
    static let retryAfterSeconds = 10

    var status: HTTPResponse.Status {
        switch self {
        // A stale update is answered like success: an out-of-order app server has nothing to fix.
        case .delivered, .stale: return .ok
        case .stored: return .accepted
        case .tokenNotFound: return .notFound
        case .channelGone: return .gone
        case .invalidVersion, .malformedRequest: return .badRequest
        case .dataTooLarge, .bodyTooLarge: return .contentTooLarge
        case .storeUnavailable, .shuttingDown: return .serviceUnavailable
        }
    }

    /// The error entry of the reply; nil for the outcomes answered with `{}`.
    private var error: (errno: ProtocolError?, message: String)? {
        switch self {
        case .delivered, .stored, .stale: return nil
        case .tokenNotFound: return (nil, "Invalid endpoint token")
        case .channelGone: return (nil, "Channel is not registered")
        case .invalidVersion: return (.invalidVersion, "Invalid Version")
        case .malformedRequest(let why): return (nil, why)
        case .dataTooLarge(let limit): return (.payloadTooLarge, "Data exceeds the limit of \(limit) bytes")
        case .bodyTooLarge(let limit): return (.payloadTooLarge, "Request body exceeds the limit of \(limit) bytes")
        case .storeUnavailable: return (nil, "Service temporarily unavailable")
        case .shuttingDown: return (nil, "Server shutting down")
        }
    }

    func response(headers: HTTPFields) -> PlainResponse {
        var headers = headers
        if status == .serviceUnavailable { headers[.retryAfter] = String(UpdateOutcome.retryAfterSeconds) }
        guard let error else { return .emptyJSON(status, headers: headers) }
        return .jsonError(status, errno: error.errno?.rawValue, message: error.message, headers: headers)
    }
}
