// Key layout, with {P} the configured prefix and {U} the UAID as 32 hex characters:
//
//   {P}{U}               the device: its protocol and one `<registration> <channel id>` line per
//                        registered channel (DeviceItem). It exists while the device does; no expiry.
//   {P}{U}.{channel id}  the channel: state, registration, newest SimplePush version, data
//                        (ChannelRecord). Its version is the channel's one SimplePush message.
//                        It expires by state: timeout_live while an update waits for its ack,
//                        timeout_reg once nothing waits, timeout_del after an unregister.
//   {P}{U}.q             the device's queue of every other message (WebPush), oldest first, each
//                        under the registration of its channel (QueueItem). It expires with its
//                        longest-lived message.
//   {P}{U}.n             which node holds the device's connection: `<connected at ms> <router URL>`
//                        (NodeRecord). No expiry; a release empties it under its CAS (memcached
//                        has no conditional delete) and lets it expire.
//   {P}status_{id}_{n}   short-lived keys the health check writes and reads back.
//
// Every key of a device is hashed by `{P}{U}`, so a device lives on one server and a multi-get of
// its channels is one round trip. The device item decides which channels are registered: a
// channel item counts only while its registration id is the one the device item lists, so one
// left from an earlier registration is ignored, never mistaken for the current one.
//
// Nodes share these items, so every read-modify-write is a compare-and-swap (a CAS write, or an
// add when the item was absent), retried from the read when another writer got in between:
// concurrent registrations never drop a channel and concurrent saves never move a version back.

import ConfigFile
import Foundation
import PushCore
import Store

/// A `Store` in memcached, through libmemcached: several nodes pointed at the same servers share
/// devices, channels and pending updates. memcached keeps nothing across its own restart, and
/// records expire (see the layout above).
public final class MemcachedStore: Store {
    private let settings: ServerConfig.Storage.Memcache
    /// memcached evicts items, and forgets everything when it restarts.
    public var mayLoseRecords: Bool { true }
    let pool: MemcachedPool
    let keys: Keys

    /// Sets up the connections; memcached is first contacted by the first call, so a server that
    /// is down fails calls (with `StoreError.unavailable`) rather than start-up. Throws
    /// `StoreError.unavailable` for settings libmemcached refuses.
    public init(_ settings: ServerConfig.Storage.Memcache) throws {
        if let problem = ServerConfig.Storage.Memcache.problem(withPrefix: settings.prefix) {
            throw StoreError.unavailable("storage.memcache.prefix \(problem)")
        }
        self.settings = settings
        keys = Keys(prefix: settings.prefix)
        pool = try MemcachedPool(settings)
    }

    public func device(_ uaid: UAID) async throws -> DeviceRecord? {
        let keys = self.keys
        return try await pool.run("read device") { connection in
            let deviceKey = keys.device(uaid)
            return try connection.get([deviceKey], group: deviceKey)[deviceKey].map { try DeviceItem(decoding: $0.value).record }
        }
    }

    public func deviceProtocol(_ uaid: UAID) async throws -> DeviceProtocol? {
        try await device(uaid)?.deviceProtocol
    }

    public func register(_ uaid: UAID, channel: ChannelID, protocol deviceProtocol: DeviceProtocol,
                         maxChannels: Int) async throws -> RegisterResult {
        // The store's own cap keeps the device item well under memcached's item size limit.
        let limit = min(maxChannels, settings.maxChannels)
        let keys = self.keys
        return try await pool.run("register channel") { connection in
            let deviceKey = keys.device(uaid)
            return try Self.retrying(deviceKey) {
                let item = try connection.get([deviceKey], group: deviceKey)[deviceKey]
                var device = try item.map { try DeviceItem(decoding: $0.value) } ?? DeviceItem(protocol: deviceProtocol)
                if device.registration(of: channel) != nil { return .done(.registered) }
                // Only new channels count against the limit, and a refused device is not created.
                if device.count >= limit { return .done(.tooManyChannels) }
                device.add(channel)
                let written = try connection.write(device.encoded, to: deviceKey, group: deviceKey,
                                                   expiration: 0, replacing: item)
                return written ? .done(.registered) : .conflict
            }
        }
    }

    public func unregister(_ uaid: UAID, channel: ChannelID) async throws {
        let (keys, lifetimes) = (self.keys, Lifetimes(settings))
        try await pool.run("unregister channel") { connection in
            let deviceKey = keys.device(uaid)
            let removed: UInt64? = try Self.retrying(deviceKey) {
                guard let item = try connection.get([deviceKey], group: deviceKey)[deviceKey] else { return .done(nil) }
                var device = try DeviceItem(decoding: item.value)
                guard let registration = device.remove(channel) else { return .done(nil) }
                let written = try connection.write(device.encoded, to: deviceKey, group: deviceKey,
                                                   expiration: 0, replacing: item)
                return written ? .done(registration) : .conflict
            }
            if let removed {
                Self.markDeleted([(channel, removed)], of: uaid, keys: keys, lifetimes: lifetimes, on: connection)
                Self.removeQueued(of: uaid, keys: keys, on: connection) { $0.channel == channel }
            }
        }
    }

    public func save(_ message: StoredMessage, for uaid: UAID, limit: Int) async throws -> SaveResult {
        guard let version = message.version else { return try await enqueue(message, for: uaid, limit: limit) }
        let (keys, lifetimes) = (self.keys, Lifetimes(settings))
        let (channel, data) = (message.channel, message.data)
        return try await pool.run("save update") { connection in
            let (deviceKey, channelKey) = (keys.device(uaid), keys.channel(uaid, channel))
            return try Self.retrying(channelKey) {
                let items = try connection.get([deviceKey, channelKey], group: deviceKey)
                guard let device = try items[deviceKey].map({ try DeviceItem(decoding: $0.value) }) else {
                    return try Self.recreateLostDevice(uaid, channel: channel, protocol: .simplePush, channelItem: items[channelKey],
                                                       keys: keys, on: connection)
                }
                guard let registration = device.registration(of: channel) else { return .done(.unknownChannel) }
                let current = try items[channelKey].map { try ChannelRecord(decoding: $0.value) }
                var newest: Version?
                if let current, current.registration == registration {
                    // Only while an unregister is finishing; the device item is about to agree.
                    if current.state == .deleted { return .done(.unknownChannel) }
                    newest = current.version
                }
                if let newest, version <= newest { return .done(.stale) }
                let record = ChannelRecord(state: .live, registration: registration, version: version, data: data)
                let written = try connection.write(record.encoded, to: channelKey, group: deviceKey,
                                                   expiration: lifetimes.expiration(for: .live), replacing: items[channelKey])
                return written ? .done(.saved) : .conflict
            }
        }
    }

    public func fetchMessages(_ uaid: UAID, limit: Int) async throws -> [StoredMessage] {
        let keys = self.keys
        return try await pool.run("fetch messages") { connection in
            let deviceKey = keys.device(uaid)
            guard let item = try connection.get([deviceKey], group: deviceKey)[deviceKey] else { return [] }
            let device = try DeviceItem(decoding: item.value)
            let channels = device.registrations.keys.sorted()
            let items = try connection.get(channels.map { keys.channel(uaid, $0) } + [keys.queue(uaid)], group: deviceKey)
            // A SimplePush version carries no timestamp here: it sorts before every queued message.
            var messages = try channels.compactMap { channel -> StoredMessage? in
                guard let item = items[keys.channel(uaid, channel)] else { return nil }
                let record = try ChannelRecord(decoding: item.value)
                guard record.state == .live, record.registration == device.registration(of: channel),
                      let version = record.version
                else { return nil }
                return StoredMessage(channel: channel, slot: .version(version), timestamp: 0, data: record.data)
            }
            messages += try Self.queued(items[keys.queue(uaid)], of: uaid, device: device, keys: keys, on: connection)
            return Array(messages.sorted(by: StoredMessage.queueOrder).prefix(limit))
        }
    }

    @discardableResult
    public func delete(_ reference: MessageReference, for uaid: UAID) async throws -> Bool {
        guard case .versionAtMost(let version) = reference.match else { return try await dequeue(reference, for: uaid) }
        let channel = reference.channel
        let (keys, lifetimes) = (self.keys, Lifetimes(settings))
        return try await pool.run("ack update") { connection in
            let (deviceKey, channelKey) = (keys.device(uaid), keys.channel(uaid, channel))
            return try Self.retrying(channelKey) {
                let items = try connection.get([deviceKey, channelKey], group: deviceKey)
                guard let registration = try items[deviceKey].flatMap({ try DeviceItem(decoding: $0.value) })?
                    .registration(of: channel),
                    let item = items[channelKey]
                else { return .done(false) }
                let record = try ChannelRecord(decoding: item.value)
                guard record.state == .live, record.registration == registration,
                      let newest = record.version, newest <= version
                else { return .done(false) }
                // The version stays, so a later PUT with a lower one is still stale.
                let acked = ChannelRecord(state: .registered, registration: registration, version: newest)
                let written = try connection.write(acked.encoded, to: channelKey, group: deviceKey,
                                                   expiration: lifetimes.expiration(for: .registered), replacing: item)
                return written ? .done(true) : .conflict
            }
        }
    }

    public func drop(_ uaid: UAID) async throws {
        let (keys, lifetimes) = (self.keys, Lifetimes(settings))
        try await pool.run("drop device") { connection in
            let deviceKey = keys.device(uaid)
            guard let item = try connection.get([deviceKey], group: deviceKey)[deviceKey] else { return }
            try connection.delete(deviceKey, group: deviceKey)
            try? connection.delete(keys.queue(uaid), group: deviceKey)
            // Unreadable leftovers cannot be marked; they are dead anyway once the device item is gone.
            guard let device = try? DeviceItem(decoding: item.value) else { return }
            Self.markDeleted(device.registrations.map { ($0.key, $0.value) }, of: uaid, keys: keys,
                             lifetimes: lifetimes, on: connection)
        }
    }

    /// Writes and reads back a short-lived key on every server, as pushgo's `status_<id>` check.
    public func claimNode(_ uaid: UAID, _ record: NodeRecord) async throws -> ClaimResult {
        let keys = self.keys
        return try await pool.run("claim node") { connection in
            let nodeKey = keys.node(uaid), group = keys.device(uaid)
            return try Self.retrying(nodeKey) {
                let item = try connection.get([nodeKey], group: group)[nodeKey]
                let result = ClaimResult.deciding(record, over: item.flatMap { NodeRecord(encoded: $0.value) })
                guard case .claimed = result else { return .done(result) }
                // A conditional write: a claim or release in between makes this one look again.
                let written = try connection.write(record.encoded, to: nodeKey, group: group, expiration: 0, replacing: item)
                return written ? .done(result) : .conflict
            }
        }
    }

    public func nodeRecord(_ uaid: UAID) async throws -> NodeRecord? {
        let keys = self.keys
        return try await pool.run("read node") { connection in
            let nodeKey = keys.node(uaid)
            return try connection.get([nodeKey], group: keys.device(uaid))[nodeKey].flatMap { NodeRecord(encoded: $0.value) }
        }
    }

    public func releaseNode(_ uaid: UAID, ifStill record: NodeRecord) async throws -> Bool {
        let keys = self.keys
        return try await pool.run("release node") { connection in
            let nodeKey = keys.node(uaid), group = keys.device(uaid)
            guard let item = try connection.get([nodeKey], group: group)[nodeKey],
                  NodeRecord(encoded: item.value) == record else { return false }
            // memcached deletes only unconditionally, so a release overwrites with an empty
            // record under the item's CAS: a claim that came in between keeps its record.
            return try connection.write("", to: nodeKey, group: group, expiration: 1, replacing: item)
        }
    }

    /// A marker item on each server, made by whichever node finds it missing: a server that
    /// restarted (or was flushed, or evicted the marker) has a new one.
    public func recordsEpoch() async throws -> String? {
        let base = keys.epoch
        return try await pool.run("read records epoch") { connection in
            var markers: [String] = []
            for (server, key) in connection.keyPerServer(startingWith: base) {
                if try connection.get([key], group: key)[key] == nil {
                    // Another node may add it first; then its marker is the one read below.
                    _ = try connection.write(UAID.random().hex, to: key, group: key, expiration: 0, replacing: nil)
                }
                markers.append("\(server)=\(try connection.get([key], group: key)[key]?.value ?? "")")
            }
            return markers.joined(separator: ",")
        }
    }

    public func healthCheck() async throws {
        let base = keys.status(UAID.random().hex)
        try await pool.run("health check") { connection in
            for (server, key) in connection.keyPerServer(startingWith: base) {
                let token = UAID.random().hex
                do {
                    try connection.set(token, to: key, group: key, expiration: 10)
                    let read = try connection.get([key], group: key)[key]?.value
                    guard read == token else {
                        throw MemcachedFailure(description: "read back \(read.map { "\"\($0)\"" } ?? "nothing") instead of what was written")
                    }
                    try connection.delete(key, group: key)
                } catch let failure as MemcachedFailure {
                    throw MemcachedFailure(description: "server \(server): \(failure)")
                }
            }
        }
    }

    public func close() async throws {
        try await pool.close()
    }

    // MARK: - Helpers

    enum Attempt<Result> {
        case done(Result)
        /// Another writer changed the item since it was read: read again.
        case conflict
    }

    /// Each retry means another writer succeeded, so this only runs out under a storm of
    /// writers to one key; that is reported rather than spun on.
    private static let maxAttempts = 64

    static func retrying<Result>(_ key: String, _ attempt: () throws -> Attempt<Result>) throws -> Result {
        for _ in 0 ..< maxAttempts {
            if case .done(let result) = try attempt() { return result }
        }
        throw MemcachedFailure(description: "\(maxAttempts) writes to \(key) in a row lost to concurrent writers")
    }

    /// memcached may lose a device item (evicted, or memcached restarted) while the device's
    /// endpoints are still out there. An update for a device it has no item of brings the item
    /// back with that channel, under the registration its channel record still has, if any;
    /// only the channel's deleted marker (an unregister, a drop) says the channel is gone.
    /// Returns the result, or `.conflict` to look again once the item is back.
    static func recreateLostDevice(_ uaid: UAID, channel: ChannelID, protocol deviceProtocol: DeviceProtocol,
                                   channelItem: CASItem?, keys: Keys,
                                   on connection: MemcachedConnection) throws -> Attempt<SaveResult> {
        let record = try channelItem.map { try ChannelRecord(decoding: $0.value) }
        if record?.state == .deleted { return .done(.unknownChannel) }
        var device = DeviceItem(protocol: deviceProtocol)
        if let record { device.adopt(channel, registration: record.registration) } else { device.add(channel) }
        let deviceKey = keys.device(uaid)
        // An add: a device item someone else wrote meanwhile wins, and the next look finds it.
        _ = try connection.write(device.encoded, to: deviceKey, group: deviceKey, expiration: 0, replacing: nil)
        return .conflict
    }

    /// Replaces the channels' records by deleted markers, so a save that read the device item
    /// before the change cannot store an update under the old registration afterwards. Best
    /// effort: the device item already says what counts, and a record changed meanwhile (by a
    /// newer registration) is left alone.
    private static func markDeleted(_ channels: [(ChannelID, UInt64)], of uaid: UAID, keys: Keys,
                                    lifetimes: Lifetimes, on connection: MemcachedConnection) {
        let deviceKey = keys.device(uaid)
        let channelKeys = channels.map { keys.channel(uaid, $0.0) }
        guard let items = try? connection.get(channelKeys, group: deviceKey) else { return }
        for ((_, registration), key) in zip(channels, channelKeys) {
            let item = items[key]
            if let item, let record = try? ChannelRecord(decoding: item.value),
               record.registration != registration || record.state == .deleted { continue }
            let marker = ChannelRecord(state: .deleted, registration: registration)
            _ = try? connection.write(marker.encoded, to: key, group: deviceKey,
                                      expiration: lifetimes.expiration(for: .deleted), replacing: item)
        }
    }
}

/// The keys of the layout described at the top of this file.
struct Keys: Sendable {
    let prefix: String

    func device(_ uaid: UAID) -> String { prefix + uaid.hex }
    func channel(_ uaid: UAID, _ channel: ChannelID) -> String { prefix + uaid.hex + "." + channel.value }
    func queue(_ uaid: UAID) -> String { prefix + uaid.hex + ".q" }
    func node(_ uaid: UAID) -> String { prefix + uaid.hex + ".n" }
    func status(_ id: String) -> String { prefix + "status_" + id + "_" }
    var epoch: String { prefix + "epoch_" }
}

/// Record lifetimes as memcached expiration values.
struct Lifetimes: Sendable {
    let live: Double
    let registered: Double
    let deleted: Double

    init(_ settings: ServerConfig.Storage.Memcache) {
        (live, registered, deleted) = (settings.timeoutLive, settings.timeoutReg, settings.timeoutDel)
    }

    func expiration(for state: ChannelRecord.State) -> time_t {
        switch state {
        case .live: return Self.expiration(seconds: live)
        case .registered: return Self.expiration(seconds: registered)
        case .deleted: return Self.expiration(seconds: deleted)
        }
    }

    /// `seconds` from now as a memcached expiration value.
    static func expiration(seconds: Double) -> time_t {
        let whole = time_t(max(1, min(seconds.rounded(.up), Double(Int32.max))))
        // memcached reads an expiration beyond 30 days as a Unix time, not as seconds from now.
        let thirtyDays: time_t = 30 * 86400
        return whole > thirtyDays ? time_t(Date().timeIntervalSince1970) + whole : whole
    }
}
