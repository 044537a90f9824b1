import Foundation
import JSON
import PushCore
import Store

/// The device's queue item: a JSON array of `{"r":"<registration hex>","m":<message>}`, oldest
/// first. A message counts only while `r` is the registration the device item lists for its
/// channel, so messages of an unregistered (or re-registered) channel are dead without a write.
struct QueueItem {
    struct Entry {
        var registration: UInt64
        var message: StoredMessage
    }

    var entries: [Entry] = []

    init() {}

    init(decoding text: String) throws {
        guard let items = JSONParser.parse(Array(text.utf8))?.arrayValue else {
            throw MemcachedFailure(description: "malformed queue item")
        }
        entries = try items.map { item in
            guard let members = item.objectMembers, members.count == 2, members[0].key == "r", members[1].key == "m",
                  let registration = members[0].value.stringValue.flatMap({ UInt64($0, radix: 16) }),
                  let message = StoredMessage(json: members[1].value)
            else { throw MemcachedFailure(description: "malformed queue entry") }
            return Entry(registration: registration, message: message)
        }
    }

    var encoded: String {
        JSONValue.array(entries.map { entry in
            .object([("r", .string(String(entry.registration, radix: 16))), ("m", entry.message.json)])
        }).serialized
    }

    /// Keeps what still counts for `device` and has not expired; returns whether anything went.
    @discardableResult
    mutating func prune(for device: DeviceItem, now: Int64) -> Bool {
        let before = entries.count
        entries.removeAll { entry in
            device.registration(of: entry.message.channel) != entry.registration || entry.message.isExpired(now: now)
        }
        return entries.count != before
    }

    /// The memcached expiration that keeps the item as long as its longest-lived message.
    func expiration(now: Int64) -> time_t {
        let last = entries.compactMap(\.message.expiry).max() ?? now
        return Lifetimes.expiration(seconds: Double(max(1, last - now)))
    }
}
