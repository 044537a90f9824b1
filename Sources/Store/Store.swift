import PushCore

/// What saving an update did.
public enum SaveResult: Equatable, Sendable {
    /// Stored as the channel's newest version, pending until acked.
    case saved
    /// The version was not newer than one already accepted for the channel: dropped.
    case stale
    /// The channel is not registered (never was, or was unregistered).
    case unknownChannel
}

/// What registering a channel did.
public enum RegisterResult: Equatable, Sendable {
    /// The channel is registered (newly, or it already was).
    case registered
    /// The UAID already has `maxChannels` channels and this one is new.
    case tooManyChannels
}

public enum StoreError: Error, CustomStringConvertible, Sendable {
    /// The backend cannot be reached or answered with an error; the call may succeed later.
    case unavailable(String)

    public var description: String {
        switch self {
        case .unavailable(let why): return "store unavailable: \(why)"
        }
    }
}

/// The offline store: which channels a device has, and each channel's newest version until the
/// device acks it. Every backend passes the same conformance suite (Tests/StoreTests).
///
/// Calls may block inside the backend, so callers run them from async contexts, never from a
/// reactor thread; each backend keeps its blocking work off the caller's executor.
public protocol Store: Sendable {
    /// Whether the store knows this device (it has registered a channel and not been dropped).
    func uaidExists(_ uaid: UAID) async throws -> Bool

    /// Registers a channel for a device, creating the device record if needed. Registering a
    /// channel that is already registered keeps its versions and returns `.registered`.
    func register(_ uaid: UAID, channel: ChannelID, maxChannels: Int) async throws -> RegisterResult

    /// Removes a channel and its pending update. Unknown channels are not an error.
    func unregister(_ uaid: UAID, channel: ChannelID) async throws

    /// Saves a new version (and its data) for a channel. Versions only move forward: a version not
    /// greater than the newest accepted for that channel (acked or not) is `.stale`.
    func saveUpdate(_ uaid: UAID, channel: ChannelID, version: Version, data: String?) async throws -> SaveResult

    /// Every channel of the device with an unacked version, ordered by channel id.
    func fetchPending(_ uaid: UAID) async throws -> [Update]

    /// Acknowledges a channel's update: the pending update is removed only if its version is not
    /// greater than `version`. Returns whether a pending update was removed.
    @discardableResult
    func ack(_ uaid: UAID, channel: ChannelID, version: Version) async throws -> Bool

    /// Forgets the device: its channels and pending updates.
    func drop(_ uaid: UAID) async throws

    /// Throws `StoreError.unavailable` when the backend cannot serve.
    func healthCheck() async throws

    /// Releases the backend's resources. No call may follow.
    func close() async throws
}
