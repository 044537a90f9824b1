import PushCore

/// What saving a message did.
public enum SaveResult: Equatable, Sendable {
    /// Stored, pending until the device acks it or it expires.
    case saved
    /// A SimplePush version not newer than one already accepted for the channel: dropped.
    case stale
    /// The device is known but this channel is not registered (never was, or was unregistered).
    case unknownChannel
    /// The store has no record of the device (a store that may lose records re-creates it
    /// instead, see `mayLoseRecords`).
    case unknownDevice
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

/// The offline store, in the two parts every device protocol needs: a device record (which
/// protocol the device speaks, its channels) and a message queue per device (messages waiting
/// for the device's ack, oldest first). SimplePush's newest-version-per-channel is one message
/// slot per channel on top of it (`Store+SimplePush.swift`). Every backend passes the same
/// conformance suite (Tests/StoreTests).
///
/// Calls may block inside the backend, so callers run them from async contexts, never from a
/// reactor thread; each backend keeps its blocking work off the caller's executor. The one
/// exception is `nonBlocking`: a backend that never blocks offers its calls there without
/// `async`, for reactors and event loops to make inline.
public protocol Store: Sendable {
    // MARK: The device record

    /// The device's record; nil when it has registered no channel or was dropped.
    func device(_ uaid: UAID) async throws -> DeviceRecord?

    /// The protocol of a device the store knows, nil for one it does not: what a hello needs,
    /// without reading the channels.
    func deviceProtocol(_ uaid: UAID) async throws -> DeviceProtocol?

    /// Registers a channel for a device, creating the device record (speaking `protocol`) if
    /// needed. Registering a channel that is already registered keeps its messages and returns
    /// `.registered`.
    func register(_ uaid: UAID, channel: ChannelID, protocol: DeviceProtocol, maxChannels: Int) async throws -> RegisterResult

    /// Removes a channel and its messages. Unknown channels are not an error.
    func unregister(_ uaid: UAID, channel: ChannelID) async throws

    /// Forgets the device: its record, channels and messages.
    func drop(_ uaid: UAID) async throws

    // MARK: The message queue

    /// Queues a message for a registered channel. It replaces the message in the same slot (a
    /// SimplePush channel's version, a WebPush topic). A SimplePush version must be newer than
    /// every version accepted for the channel before, acked or not (else `.stale`). When more
    /// than `limit` messages other than SimplePush versions wait, the oldest are dropped.
    func save(_ message: StoredMessage, for uaid: UAID, limit: Int) async throws -> SaveResult

    /// Up to `limit` of the device's unexpired messages on registered channels, oldest first
    /// (by timestamp, then slot). Expired messages are never returned, and are purged.
    func fetchMessages(_ uaid: UAID, limit: Int) async throws -> [StoredMessage]

    /// Deletes the message `reference` names, if it is still the one in its slot. Returns
    /// whether a message was deleted.
    @discardableResult
    func delete(_ reference: MessageReference, for uaid: UAID) async throws -> Bool

    // MARK: Where the device is connected (fleets)

    /// Records that `record`'s connection holds the device, unless a newer one does (then
    /// nothing changes). Atomic against concurrent claims and releases.
    func claimNode(_ uaid: UAID, _ record: NodeRecord) async throws -> ClaimResult
    /// The connection holding the device, as last claimed; nil when none is recorded (or the
    /// store lost it).
    func nodeRecord(_ uaid: UAID) async throws -> NodeRecord?
    /// Clears the record if it is still `record` (compare and swap): a connection that closed, or
    /// a node found gone, never clears a newer connection's claim. Returns whether it cleared.
    @discardableResult
    func releaseNode(_ uaid: UAID, ifStill record: NodeRecord) async throws -> Bool

    /// Names the records the store holds now, for a store that can lose them all at once (a
    /// memcached server restarted or flushed): when the name changes, node records written
    /// before may be gone and each node writes its own again. Nil for a store that keeps them.
    func recordsEpoch() async throws -> String?

    // MARK: The backend

    /// Throws `StoreError.unavailable` when the backend cannot serve.
    func healthCheck() async throws

    /// Releases the backend's resources. No call may follow.
    func close() async throws

    /// The same backend's calls that never block or wait, for a backend that keeps everything in
    /// process memory: a reactor thread makes them inline, without a task or a thread hop. Nil
    /// (the default) for backends that do I/O.
    var nonBlocking: (any NonBlockingStore)? { get }

    /// Whether the backend may lose records on its own (memcached evicts, and forgets everything
    /// when it restarts). There a device the store has no record of is not known to be gone:
    /// only a channel it knows was unregistered is, so nothing tells an app server to delete a
    /// subscription that still works.
    var mayLoseRecords: Bool { get }
}

extension Store {
    public var nonBlocking: (any NonBlockingStore)? { nil }
    public var mayLoseRecords: Bool { false }
    public func recordsEpoch() async throws -> String? { nil }
}

/// The calls of the ack path without `async`, offered by backends that never block.
public protocol NonBlockingStore: Sendable {
    /// `Store.device`, done before returning.
    func deviceNow(_ uaid: UAID) throws -> DeviceRecord?

    /// `Store.save`, done before returning.
    func saveNow(_ message: StoredMessage, for uaid: UAID, limit: Int) throws -> SaveResult

    /// `Store.delete`, done before returning.
    @discardableResult
    func deleteNow(_ reference: MessageReference, for uaid: UAID) throws -> Bool
}
