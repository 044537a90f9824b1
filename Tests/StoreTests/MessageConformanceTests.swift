import PushCore
import Store
import XCTest

/// The message queue: order, topics, expiry, the per-device limit, deletion by reference, and how
/// it follows its channels and device. SimplePush's versions on top are in UpdateConformanceTests.
final class MessageConformanceTests: StoreConformanceTestCase {
    private let uaid = device(7)

    /// A WebPush-style message; `age` orders them (a larger age is older).
    private func message(_ n: Int, channel chid: Int = 1, topic: String? = nil, age: UInt64 = 0,
                         expiresIn: Int64 = 3600, data: String? = nil) -> StoredMessage {
        StoredMessage(channel: channel(chid), slot: topic.map(StoredMessage.Slot.topic) ?? .unique(UInt64(n)),
                      timestamp: StoredMessage.now() - age * 1000 + UInt64(n),
                      expiry: StoredMessage.unixSeconds() + expiresIn, urgency: .high,
                      data: data ?? "body \(n)", headers: ["encoding": "aes128gcm"])
    }

    private func webPushDevice(_ store: any Store, channels: Int...) async throws {
        for n in channels {
            let result = try await store.register(uaid, channel: channel(n), protocol: .webPush, maxChannels: 10)
            XCTAssertEqual(result, .registered)
        }
    }

    func testTheDeviceRecordKeepsItsProtocolAndChannels() async {
        await onEveryBackend { store in
            let none = try await store.device(uaid)
            XCTAssertNil(none)
            try await webPushDevice(store, channels: 2, 1)
            let record = try await store.device(uaid)
            XCTAssertEqual(record, DeviceRecord(deviceProtocol: .webPush, channels: [channel(1), channel(2)]))
            _ = try await store.register(device(8), channel: channel(1), maxChannels: 10)
            let simplePush = try await store.device(device(8))
            XCTAssertEqual(simplePush?.deviceProtocol, .simplePush)
        }
    }

    func testMessagesComeBackWholeOldestFirst() async {
        await onEveryBackend { store in
            try await webPushDevice(store, channels: 1, 2)
            let messages = [message(1, channel: 2, age: 5), message(2, channel: 1, age: 9), message(3, channel: 1, age: 1)]
            for saved in messages {
                let result = try await store.save(saved, for: uaid, limit: 100)
                XCTAssertEqual(result, .saved)
            }
            let fetched = try await store.fetchMessages(uaid, limit: 100)
            XCTAssertEqual(fetched, [messages[1], messages[0], messages[2]])
            let firstTwo = try await store.fetchMessages(uaid, limit: 2)
            XCTAssertEqual(firstTwo, [messages[1], messages[0]])
        }
    }

    func testANewerMessageWithTheSameTopicReplacesTheOlder() async {
        await onEveryBackend { store in
            try await webPushDevice(store, channels: 1, 2)
            let older = message(1, topic: "scores", age: 9, data: "old")
            let other = message(2, channel: 2, topic: "scores", age: 5)
            let newer = message(3, topic: "scores", age: 1, data: "new")
            for saved in [older, other, newer] { _ = try await store.save(saved, for: uaid, limit: 100) }
            let fetched = try await store.fetchMessages(uaid, limit: 100)
            XCTAssertEqual(fetched, [other, newer], "one per channel and topic, the newest")
        }
    }

    func testExpiredMessagesAreNeverReturned() async {
        await onEveryBackend { store in
            try await webPushDevice(store, channels: 1)
            let expired = message(1, age: 9, expiresIn: -1)
            let live = message(2, age: 1)
            for saved in [expired, live] { _ = try await store.save(saved, for: uaid, limit: 100) }
            let fetched = try await store.fetchMessages(uaid, limit: 100)
            XCTAssertEqual(fetched, [live])
            let again = try await store.fetchMessages(uaid, limit: 100)
            XCTAssertEqual(again, [live], "still gone after the purge")
        }
    }

    func testThePerDeviceLimitDropsTheOldestMessages() async {
        await onEveryBackend { store in
            try await webPushDevice(store, channels: 1, 2)
            let messages = (1...5).map { message($0, channel: $0 % 2 + 1, age: UInt64(10 - $0)) }
            for saved in messages {
                let result = try await store.save(saved, for: uaid, limit: 3)
                XCTAssertEqual(result, .saved, "a full queue still takes the newest message")
            }
            let fetched = try await store.fetchMessages(uaid, limit: 100)
            XCTAssertEqual(fetched, Array(messages[2...]))
            let record = try await store.device(uaid)
            XCTAssertNotNil(record, "the device is kept")
        }
    }

    func testADeleteNamesOneOccupantOfTheSlot() async {
        await onEveryBackend { store in
            try await webPushDevice(store, channels: 1)
            let first = message(1, topic: "t", age: 5)
            _ = try await store.save(first, for: uaid, limit: 100)
            let replacement = message(2, topic: "t", age: 1)
            _ = try await store.save(replacement, for: uaid, limit: 100)
            let late = MessageReference(channel: first.channel, slotKey: first.slotKey, match: .timestamp(first.timestamp))
            let deletedLate = try await store.delete(late, for: uaid)
            XCTAssertFalse(deletedLate, "an ack of the replaced message leaves its replacement")
            let current = MessageReference(channel: first.channel, slotKey: first.slotKey,
                                           match: .timestamp(replacement.timestamp))
            let deleted = try await store.delete(current, for: uaid)
            XCTAssertTrue(deleted)
            let again = try await store.delete(current, for: uaid)
            XCTAssertFalse(again)
            let fetched = try await store.fetchMessages(uaid, limit: 100)
            XCTAssertEqual(fetched, [])
        }
    }

    func testMessagesNeedARegisteredChannelOfAKnownDevice() async {
        await onEveryBackend { store in
            let unknownDevice = try await store.save(message(1), for: uaid, limit: 100)
            // A store that may lose records takes an unknown device for a lost one and brings it back.
            XCTAssertEqual(unknownDevice, store.mayLoseRecords ? .saved : .unknownDevice)
            if store.mayLoseRecords {
                let back = try await store.device(uaid)
                XCTAssertEqual(back, DeviceRecord(deviceProtocol: .webPush, channels: [channel(1)]))
                try await store.drop(uaid)
            }
            try await webPushDevice(store, channels: 2)
            let unknownChannel = try await store.save(message(1, channel: 1), for: uaid, limit: 100)
            XCTAssertEqual(unknownChannel, .unknownChannel)
        }
    }

    func testUnregisterAndDropTakeTheMessagesAlong() async {
        await onEveryBackend { store in
            try await webPushDevice(store, channels: 1, 2)
            for saved in [message(1, channel: 1), message(2, channel: 2)] { _ = try await store.save(saved, for: uaid, limit: 100) }
            try await store.unregister(uaid, channel: channel(1))
            // Registering the channel again does not bring its old messages back.
            try await webPushDevice(store, channels: 1)
            let afterUnregister = try await store.fetchMessages(uaid, limit: 100)
            XCTAssertEqual(afterUnregister.map(\.channel), [channel(2)])
            try await store.drop(uaid)
            try await webPushDevice(store, channels: 2)
            let afterDrop = try await store.fetchMessages(uaid, limit: 100)
            XCTAssertEqual(afterDrop, [])
        }
    }

    func testSimplePushVersionsAreOneSlotPerChannelOutsideTheLimit() async {
        await onEveryBackend { store in
            for n in 1...3 { _ = try await store.register(uaid, channel: channel(n), maxChannels: 10) }
            for (n, version) in [(1, 1), (2, 2), (3, 3), (1, 9)] {
                let update = StoredMessage(channel: channel(n), slot: .version(Version(version)), timestamp: StoredMessage.now())
                let result = try await store.save(update, for: uaid, limit: 1)
                XCTAssertEqual(result, .saved)
            }
            let fetched = try await store.fetchMessages(uaid, limit: 100)
            XCTAssertEqual(fetched.compactMap(\.version).sorted(), [2, 3, 9])
        }
    }
}
