import PushCore
import Store

/// The queue item (`{P}{U}.q`): every message that is not a SimplePush version. Each change is a
/// compare-and-swap of the whole item, retried when another node wrote it in between.
extension MemcachedStore {
    func enqueue(_ message: StoredMessage, for uaid: UAID, limit: Int) async throws -> SaveResult {
        let keys = self.keys
        return try await pool.run("queue message") { connection in
            let (deviceKey, queueKey) = (keys.device(uaid), keys.queue(uaid))
            return try Self.retrying(queueKey) {
                let channelKey = keys.channel(uaid, message.channel)
                let items = try connection.get([deviceKey, queueKey, channelKey], group: deviceKey)
                guard let device = try items[deviceKey].map({ try DeviceItem(decoding: $0.value) }) else {
                    return try Self.recreateLostDevice(uaid, channel: message.channel, protocol: .webPush, channelItem: items[channelKey],
                                                       keys: keys, on: connection)
                }
                guard let registration = device.registration(of: message.channel) else { return .done(.unknownChannel) }
                let now = StoredMessage.unixSeconds()
                var queue = try items[queueKey].map { try QueueItem(decoding: $0.value) } ?? QueueItem()
                queue.prune(for: device, now: now)
                queue.entries.removeAll { $0.message.channel == message.channel && $0.message.slotKey == message.slotKey }
                queue.entries.append(.init(registration: registration, message: message))
                queue.entries.sort { StoredMessage.queueOrder($0.message, $1.message) }
                // The oldest go first when the device has more than its limit waiting.
                if queue.entries.count > limit { queue.entries.removeFirst(queue.entries.count - limit) }
                let written = try connection.write(queue.encoded, to: queueKey, group: deviceKey,
                                                   expiration: queue.expiration(now: now), replacing: items[queueKey])
                return written ? .done(.saved) : .conflict
            }
        }
    }

    func dequeue(_ reference: MessageReference, for uaid: UAID) async throws -> Bool {
        let keys = self.keys
        return try await pool.run("delete message") { connection in
            let (deviceKey, queueKey) = (keys.device(uaid), keys.queue(uaid))
            return try Self.retrying(queueKey) {
                guard let item = try connection.get([queueKey], group: deviceKey)[queueKey] else { return .done(false) }
                var queue = try QueueItem(decoding: item.value)
                guard let index = queue.entries.firstIndex(where: { reference.matches($0.message) }) else { return .done(false) }
                queue.entries.remove(at: index)
                let written = try connection.write(queue.encoded, to: queueKey, group: deviceKey,
                                                   expiration: queue.expiration(now: StoredMessage.unixSeconds()), replacing: item)
                return written ? .done(true) : .conflict
            }
        }
    }

    /// The live messages of a queue item read with the device item; dead ones (expired, or of a
    /// channel since unregistered) are purged by one best-effort write.
    static func queued(_ item: CASItem?, of uaid: UAID, device: DeviceItem, keys: Keys,
                       on connection: MemcachedConnection) throws -> [StoredMessage] {
        guard let item else { return [] }
        var queue = try QueueItem(decoding: item.value)
        let now = StoredMessage.unixSeconds()
        if queue.prune(for: device, now: now) {
            _ = try? connection.write(queue.encoded, to: keys.queue(uaid), group: keys.device(uaid),
                                      expiration: queue.expiration(now: now), replacing: item)
        }
        return queue.entries.map(\.message)
    }

    /// Removes the queued messages `dead` picks, best effort: the registration check already
    /// keeps them from being delivered.
    static func removeQueued(of uaid: UAID, keys: Keys, on connection: MemcachedConnection,
                             _ dead: (StoredMessage) -> Bool) {
        let (deviceKey, queueKey) = (keys.device(uaid), keys.queue(uaid))
        guard let item = try? connection.get([queueKey], group: deviceKey)[queueKey],
              var queue = try? QueueItem(decoding: item.value)
        else { return }
        let before = queue.entries.count
        queue.entries.removeAll { dead($0.message) }
        guard queue.entries.count != before else { return }
        _ = try? connection.write(queue.encoded, to: queueKey, group: deviceKey,
                                  expiration: queue.expiration(now: StoredMessage.unixSeconds()), replacing: item)
    }
}
